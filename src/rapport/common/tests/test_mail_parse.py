"""The inbound mail parser on real, malformed and hostile messages: a clear refusal or a clean reading, never a crash."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from rapport.common.mail_parse import MAX_DEPTH, MailRefused, parse_mail

SAMPLES = Path(__file__).resolve().parents[2] / "dataops" / "tests" / "mail"


def message(headers: str, body: str = "Hello.", *, extra: bytes = b"") -> bytes:
    return (headers.strip("\n").replace("\n", "\r\n") + "\r\n\r\n" + body).encode("utf-8") + extra


BASIC = "From: Wei Zhang <wei@example.cn>\nTo: sales@rapport.example\nMessage-ID: <m1@example.cn>"


def test_a_chinese_message_in_gb2312_labels_with_gbk_characters_reads_cleanly():
    parsed = parse_mail((SAMPLES / "chinese_gb2312.eml").read_bytes())
    assert parsed.sender == "Zhang.Wei@suzhou-pumps.example.cn"  # the domain lower-cased by email-validator, the local part as sent
    assert parsed.sender_name == "张伟"
    assert parsed.subject == "关于水泵报价单（朱镕）"  # 镕 is GBK, not GB2312: read as GB18030
    assert "朱镕先生已确认" in parsed.body and "<" not in parsed.body
    assert parsed.date is not None and parsed.date.isoformat() == "2026-11-16T09:30:00+08:00"
    assert [(a.filename, a.kind, a.size) for a in parsed.attachments] == [("报价单.pdf", "a PDF document", 37)]
    assert parsed.notes == ()


def test_utf8_encoded_words_and_threading_headers():
    parsed = parse_mail((SAMPLES / "reply_from_colleague.eml").read_bytes())
    assert (parsed.sender_name, parsed.subject) == ("李娜", "Re: 报价单")
    assert parsed.in_reply_to == parsed.references[0] == "20261116093000.12345@suzhou-pumps.example.cn"


def test_headers_in_raw_utf8_or_gb18030_are_read():
    """Mail sent with SMTPUTF8 (or by an old client) puts Chinese in the headers unencoded: it is kept, not dropped."""
    for charset in ("utf-8", "gb18030"):
        raw = "From: 李娜 <li.na@example.cn>\nSubject: Re: 逆变器报价\nMessage-ID: <u8@example.cn>\n\n你好\n".encode(charset)
        parsed = parse_mail(raw)
        assert (parsed.sender_name, parsed.sender, parsed.subject) == ("李娜", "li.na@example.cn", "Re: 逆变器报价"), charset


def test_html_is_never_kept_only_its_text():
    parsed = parse_mail((SAMPLES / "new_sender_html.eml").read_bytes())
    assert parsed.body == "Hello\n\nWe need 200 inverters by March.\n\nour catalogue"
    assert parsed.notes == ("The message had only an HTML body; it is kept as plain text.",)


def test_machine_sent_mail_is_recognised():
    assert parse_mail((SAMPLES / "auto_reply.eml").read_bytes()).automated == "sent automatically (Auto-Submitted: auto-replied)"
    assert parse_mail(message(BASIC + "\nPrecedence: bulk")).automated == "bulk or list mail (Precedence: bulk)"
    assert parse_mail(message(BASIC + "\nList-Id: <news.example.cn>")).automated.startswith("mailing-list")
    assert (
        parse_mail(message("From: MAILER-DAEMON@example.cn\nSubject: Undelivered")).automated
        == "a bounce or delivery report (mailer-daemon)"
    )
    assert parse_mail(message("From: not an address\nSubject: hi")).automated == "no valid sender address"


def test_line_breaks_and_control_characters_never_survive_in_a_header():
    hostile = message(
        "From: =?utf-8?q?Eve=0D=0ABcc=3A_all=40example=2Ecn?= <eve@example.cn>\n"
        "Subject: =?utf-8?q?Hi=0D=0ABcc=3A_victim=40example=2Ecn=00=E2=80=AE?=\n"
        "Message-ID: <x\r\n y@example.cn>"
    )
    parsed = parse_mail(hostile)
    assert parsed.subject == "Hi Bcc: victim@example.cn"
    assert parsed.sender_name == "Eve Bcc: all@example.cn"
    assert all("\r" not in v and "\n" not in v for v in (parsed.subject, parsed.sender_name, parsed.message_id))


def test_a_broken_encoded_word_is_kept_as_sent():
    # Found by the atheris harness: bad base64 in an encoded word raised HeaderParseError.
    assert parse_mail(message(BASIC + "\nSubject: =?utf-8?b?5oql5?= quote")).subject == "=?utf-8?b?5oql5?= quote"


def test_a_bogus_charset_is_read_as_utf8_with_a_note():
    parsed = parse_mail(message(BASIC + "\nContent-Type: text/plain; charset=x-klingon", "价格 ok"))
    assert parsed.body == "价格 ok"
    assert parsed.notes == ("Unknown character set 'x-klingon'; the text was read as UTF-8 or GB18030.",)
    # A codec that is not a character set (rot13) is no charset either.
    assert parse_mail(message(BASIC + "\nContent-Type: text/plain; charset=rot13", "abc")).body == "abc"
    # Undeclared GB18030 bytes are still read.
    raw = message(BASIC + "\nContent-Type: text/plain; charset=unknown-8bit", "", extra="报价".encode("gb18030"))
    assert parse_mail(raw).body == "报价"


def test_no_message_id_means_the_same_bytes_get_the_same_key():
    raw = message("From: wei@example.cn\nSubject: no id")
    first, again = parse_mail(raw), parse_mail(raw)
    assert first.message_id == again.message_id and first.message_id.startswith("sha256-")
    assert parse_mail(raw + b"!").message_id != first.message_id


def test_an_implausible_date_is_dropped():
    assert parse_mail(message(BASIC + "\nDate: Tue, 1 Jan 2999 00:00:00 +0000")).date is None
    assert parse_mail(message(BASIC + "\nDate: yesterday-ish")).date is None
    assert parse_mail(message(BASIC + "\nDate: 1 Jan 1901 00:00 +0000")).date is None


def _nested(depth: int) -> bytes:
    headers = BASIC + "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0"
    body = ""
    for level in range(1, depth + 1):
        body += f"--b{level - 1}\r\nContent-Type: multipart/mixed; boundary=b{level}\r\n\r\n"
    body += f"--b{depth}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n"
    for level in range(depth, -1, -1):
        body += f"--b{level}--\r\n"
    return message(headers, body)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "The message is empty."),
        (b"\r\n \r\n", "The message is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is not an email message: it does not start with a header field such as 'From:'."),
        (message(BASIC + "\nX-Big: " + "a" * 70_000), "A header field of the message is longer than 64 KB."),
        (message(BASIC + "\nX-Big: a" + "\n b" * 40_000), "A header field of the message is longer than 64 KB."),
        (message(BASIC + "".join(f"\nX-{i}: v" for i in range(600))), "The message has more than 500 header fields."),
        (message(BASIC + "".join(f"\nX-{i}: {'v' * 700}" for i in range(400))), "The message's headers are larger than 256 KB."),
        (_nested(MAX_DEPTH + 2), f"The message nests its parts more than {MAX_DEPTH} levels deep."),
        (_nested(5000), "The message has more than 200 parts."),
    ],
    ids=["empty", "blank", "png", "long-field", "long-folded-field", "many-fields", "big-headers", "nested", "very-nested"],
)
def test_hostile_or_broken_messages_are_refused_with_a_reason(raw: bytes, reason: str):
    with pytest.raises(MailRefused) as refused:
        parse_mail(raw)
    assert refused.value.field_errors == {"file": [reason]}


def test_size_is_bounded_before_parsing(settings):
    settings.RAPPORT_MAX_MAIL_BYTES = 1024 * 1024
    with pytest.raises(MailRefused, match="larger than 1 MB"):
        parse_mail(message(BASIC, "x" * (1024 * 1024)))


def test_nesting_within_the_bound_is_read():
    assert parse_mail(_nested(MAX_DEPTH - 1)).body == "deep"


def test_broken_transfer_encodings_and_attachments_do_not_break_the_reading():
    raw = message(
        BASIC + "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz",
        "--zz\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"
        '--zz\r\nContent-Type: application/pdf; name="../../etc/passwd"\r\nContent-Disposition: attachment; '
        'filename="..\\\\..\\\\boot.ini\u202e"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.b64encode(b"MZ\x90\x00 an exe pretending").decode()
        + "\r\n--zz--\r\n",
    )
    parsed = parse_mail(raw)
    assert [(a.filename, a.kind) for a in parsed.attachments] == [("boot.ini", "a file of unknown type")]
