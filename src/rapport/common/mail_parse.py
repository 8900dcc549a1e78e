"""Inbound email (RFC 5322), read without trusting a byte of it.

``parse_mail(raw)`` returns a ``ParsedMail`` or raises ``MailRefused`` (a
``ValidationFailed`` on the field ``file``) with a reason a person can act on;
no other exception leaves it (the atheris harness in ``tests/fuzz`` holds it
to that). The bounds are checked on the raw bytes before the stdlib parser
(``email`` with ``policy=default``) sees them, so a hostile message costs
no more than its size:

- the whole message at most ``RAPPORT_MAX_MAIL_BYTES`` (default 10 MiB);
- at most ``MAX_HEADER_FIELDS`` header fields in ``MAX_HEADER_BYTES``, none
  longer than ``MAX_FIELD_BYTES`` once unfolded;
- MIME nesting at most ``MAX_DEPTH`` levels and ``MAX_PARTS`` parts.

Text is decoded with the charset the part declares; GB2312 and GBK are read
as GB18030 (their superset: mail labelled GB2312 routinely holds GBK
characters), an unknown charset is read as UTF-8 and then GB18030 with
replacement characters rather than refused. HTML is never kept: it becomes
plain text (scripts, styles and tags dropped). Control characters and line
breaks never survive in a header value. Attachments are described (name
sanitised, type sniffed from the bytes, size) but their bytes are left to
the caller.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.errors import MessageError
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from django.conf import settings

from rapport.common.emails import normalise_email
from rapport.common.errors import ValidationFailed
from rapport.common.uploads import sanitise_filename, sniff_label

MAX_HEADER_FIELDS = 500
MAX_HEADER_BYTES = 256 * 1024
MAX_FIELD_BYTES = 64 * 1024
MAX_DEPTH = 10
MAX_PARTS = 200
MAX_SUBJECT = 255
MAX_BODY_CHARS = 100_000
MAX_ID_LENGTH = 250
MAX_REFERENCES = 50
# Encoded-word charsets that are really GB18030 in the wild.
GB_ALIASES = {"gb2312", "gbk", "x-gbk", "cp936", "ms936", "gb_2312-80", "euc-cn", "x-euc-cn", "csgb2312", "chinese"}
AUTOMATED_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_ANGLE_ID = re.compile(rf"<([^<>\s]{{1,{MAX_ID_LENGTH}}})>")
_MULTIPART = re.compile(rb"multipart/|message/rfc822", re.IGNORECASE)


class MailRefused(ValidationFailed):
    """The message cannot be read or breaks a bound; ``message`` says which, ``kind`` is
    ``too_large`` or ``unparseable`` (the skipped-mail page filters by it)."""

    def __init__(self, reason: str, *, kind: str = "unparseable"):
        super().__init__(reason, field_errors={"file": [reason]})
        self.kind = kind


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    kind: str  # what the bytes are, sniffed ("a PDF document"), never the sender's claim
    size: int
    payload: bytes = field(repr=False)


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without angle brackets; a digest of the bytes when the sender gave none
    sender: str  # the From address, validated and normalised ("" when it has none that is valid)
    sender_name: str
    subject: str
    date: datetime | None  # aware; None when missing, unreadable or implausible
    body: str
    in_reply_to: str
    references: tuple[str, ...]
    automated: str  # why the message looks machine-sent (an auto-reply, a list, a bounce), or ""
    automated_kind: str  # the same as a code: auto_reply, mailing_list, bounce, machine, no_sender, or ""
    attachments: tuple[MailAttachment, ...]
    notes: tuple[str, ...]  # what was repaired on the way: a charset guessed, a body cut short


def max_mail_bytes() -> int:
    return int(getattr(settings, "RAPPORT_MAX_MAIL_BYTES", 10 * 1024 * 1024))


def _check_headers(raw: bytes) -> None:
    """The header section's bounds, counted on the bytes before any parsing."""
    end = len(raw)
    for separator in (b"\r\n\r\n", b"\n\n"):
        found = raw.find(separator)
        if found != -1:
            end = min(end, found)
    block = raw[:end]
    if len(block) > MAX_HEADER_BYTES:
        raise MailRefused(f"The message's headers are larger than {MAX_HEADER_BYTES // 1024} KB.")
    fields = 0
    current = 0
    for line in block.splitlines():
        if line[:1] in (b" ", b"\t"):
            current += len(line)
        else:
            fields += 1
            current = len(line)
        if current > MAX_FIELD_BYTES:
            raise MailRefused(f"A header field of the message is longer than {MAX_FIELD_BYTES // 1024} KB.")
    if fields > MAX_HEADER_FIELDS:
        raise MailRefused(f"The message has more than {MAX_HEADER_FIELDS} header fields.")


def _check_tree(message: Message) -> None:
    """Depth and number of parts, walked without recursion."""
    parts = 0
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        parts += 1
        if depth > MAX_DEPTH:
            raise MailRefused(f"The message nests its parts more than {MAX_DEPTH} levels deep.")
        if parts > MAX_PARTS:
            raise MailRefused(f"The message has more than {MAX_PARTS} parts.")
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in payload if isinstance(child, Message))


def codec_for(charset: str | None) -> str | None:
    """A Python codec for a declared charset, GB2312/GBK read as GB18030; None when unknown."""
    name = (charset or "").strip().strip('"').lower()
    if not name:
        return None
    if name in GB_ALIASES:
        return "gb18030"
    if name in {"unknown-8bit", "x-unknown", "default"}:
        return None
    try:
        found = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    # Only text codecs: "rot13", "zlib" and friends are not charsets.
    if found in {"rot-13", "zlib_codec", "bz2_codec", "base64_codec", "hex_codec", "quopri_codec", "uu_codec"}:
        return None
    return found


def decode_text(data: bytes, charset: str | None, notes: list[str]) -> str:
    codec = codec_for(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            notes.append(f"Some text was not valid {charset}; unreadable characters were replaced.")
            return data.decode(codec, errors="replace")
        except (LookupError, ValueError, TypeError):
            pass
    if charset:
        notes.append(f"Unknown character set '{clean_line(charset)[:40]}'; the text was read as UTF-8 or GB18030.")
    for guess in ("utf-8", "gb18030"):
        try:
            return data.decode(guess)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def clean_line(text: str) -> str:
    """One line of header text: no line breaks, no control or bidi-override characters."""
    text = _CONTROL.sub(" ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    return re.sub(r"\s+", " ", text).strip()


def _header(message: Message, name: str) -> str:
    """The raw value of the first ``name`` field (encoded words left as they are)."""
    for key, value in message.raw_items():
        if key.lower() == name:
            text = str(value)
            if any("\udc80" <= ch <= "\udcff" for ch in text):
                # Unencoded 8-bit bytes (RFC 6532 UTF-8, or an old client's GB18030) arrive as surrogate escapes,
                # which clean_line would drop with the text: read them as the body's text is read.
                text = decode_text(text.encode("utf-8", "surrogateescape"), None, [])
            return text
    return ""


def decode_words(value: str, notes: list[str]) -> str:
    """A header value with its RFC 2047 encoded words decoded (GB2312/GBK as GB18030)."""
    try:
        pieces = decode_header(value)
    except (MessageError, ValueError, LookupError, AssertionError, IndexError, UnicodeError):
        # A broken encoded word (bad base64...): shown as it was sent, still one clean line.
        return clean_line(value)
    out = []
    for chunk, charset in pieces:
        if isinstance(chunk, bytes):
            out.append(decode_text(chunk, charset, notes) if charset else chunk.decode("utf-8", errors="replace"))
        else:
            out.append(chunk)
    return clean_line("".join(out))


def _message_id(value: str) -> str:
    found = _ANGLE_ID.search(value)
    if found:
        return clean_line(found.group(1))
    bare = clean_line(value).split(" ")[0] if value.strip() else ""
    return bare[:MAX_ID_LENGTH]


def _references(value: str) -> tuple[str, ...]:
    ids = _ANGLE_ID.findall(value)
    return tuple(clean_line(i) for i in ids[-MAX_REFERENCES:])


def _sender(message: Message, notes: list[str]) -> tuple[str, str]:
    raw = _header(message, "from")
    if not raw:
        return "", ""
    try:
        pairs = getaddresses([raw])
    except (ValueError, IndexError, TypeError):
        return "", ""
    for name, address in pairs:
        address = clean_line(address)
        if not address or len(address) > 254:
            continue
        try:
            normalised = normalise_email(address, field="from")
        except ValidationFailed:
            continue
        return normalised, decode_words(name, notes)[:200]
    return "", ""


def _date(message: Message) -> datetime | None:
    raw = clean_line(_header(message, "date"))
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    # A date from before email or from tomorrow is a broken clock or a lie: the caller uses the time received.
    if when.year < 1980 or when > now + timedelta(days=1):
        return None
    return when


def _automated(message: Message, sender: str) -> tuple[str, str]:
    """(kind, why) for machine-sent mail, ("", "") for a person's."""
    auto = clean_line(_header(message, "auto-submitted")).lower()
    if auto and auto != "no":
        return "auto_reply", f"sent automatically (Auto-Submitted: {auto[:40]})"
    precedence = clean_line(_header(message, "precedence")).lower()
    if precedence in AUTOMATED_PRECEDENCE:
        return "mailing_list", f"bulk or list mail (Precedence: {precedence})"
    if _header(message, "list-id") or _header(message, "list-unsubscribe"):
        return "mailing_list", "mailing-list mail (List-Id or List-Unsubscribe)"
    local = sender.split("@", 1)[0].lower()
    if local in {"mailer-daemon", "postmaster"}:
        return "bounce", f"a bounce or delivery report ({local})"
    if local in {"noreply", "no-reply", "donotreply", "do-not-reply"}:
        return "machine", f"sent by a machine ({local})"
    if not sender:
        return "no_sender", "no valid sender address"
    return "", ""


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML body: no tags, no scripts or styles, block elements on their own lines."""

    SKIP = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "iframe", "object"}
    BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    reader = _TextOfHtml()
    try:
        reader.feed(html)
        reader.close()
    except (AssertionError, ValueError):
        pass
    lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in "".join(reader.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _clean_body(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"})


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, AssertionError, LookupError):
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", errors="replace") if isinstance(raw, str) else b""


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except (ValueError, TypeError, IndexError, AttributeError):
        return "text/plain"


def _charset(part: Message) -> str | None:
    try:
        found = part.get_param("charset")
    except (ValueError, TypeError, IndexError, AttributeError):
        return None
    if isinstance(found, tuple):  # RFC 2231 form: (charset, language, value)
        found = found[2]
    return clean_line(str(found))[:60] if found else None


def _filename(part: Message, notes: list[str]) -> str:
    try:
        raw = part.get_filename() or part.get_param("name") or ""
    except (ValueError, TypeError, IndexError, AttributeError, LookupError, UnicodeError):
        raw = ""
    if isinstance(raw, tuple):
        raw = raw[2]
    try:
        return sanitise_filename(decode_words(str(raw), notes))
    except ValidationFailed:
        return "attachment"


def _is_attachment(part: Message) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
        named = bool(part.get_filename())
    except (ValueError, TypeError, IndexError, AttributeError, LookupError, UnicodeError):
        disposition, named = "", False
    return disposition == "attachment" or named


def _leaves(message: Message) -> list[Message]:
    """The non-multipart parts in document order, a forwarded message's parts included."""
    found: list[Message] = []
    stack = [message]
    while stack:
        part = stack.pop()
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend(reversed([child for child in payload if isinstance(child, Message)]))
        else:
            found.append(part)
    return found


def _body_and_attachments(message: Message, notes: list[str]) -> tuple[str, tuple[MailAttachment, ...]]:
    plain: str | None = None
    html: str | None = None
    attachments: list[MailAttachment] = []
    for part in _leaves(message):
        kind = _content_type(part)
        if _is_attachment(part) or not kind.startswith("text/"):
            if part is message and kind.startswith(("multipart/", "message/")):
                continue
            data = _part_bytes(part)
            attachments.append(MailAttachment(filename=_filename(part, notes), kind=sniff_label(data), size=len(data), payload=data))
            continue
        text = decode_text(_part_bytes(part), _charset(part), notes)
        if kind == "text/html":
            if html is None:
                html = text
        elif plain is None:
            plain = text
    if plain is not None and plain.strip():
        body = plain
    elif html is not None:
        body = html_to_text(html)
        notes.append("The message had only an HTML body; it is kept as plain text.")
    else:
        body = plain or ""
    body = _clean_body(body).strip()
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS]
        notes.append(f"The body was cut to its first {MAX_BODY_CHARS:,} characters.")
    return body, tuple(attachments)


def parse_mail(raw: bytes) -> ParsedMail:
    """Read one RFC 5322 message (an .eml file, an SMTP DATA section)."""
    if not raw or not raw.strip():
        raise MailRefused("The message is empty.")
    limit = max_mail_bytes()
    if len(raw) > limit:
        raise MailRefused(f"The message is larger than {limit // (1024 * 1024)} MB.", kind="too_large")
    if b":" not in raw.split(b"\n", 1)[0]:
        raise MailRefused("This is not an email message: it does not start with a header field such as 'From:'.")
    _check_headers(raw)
    if len(_MULTIPART.findall(raw)) > MAX_PARTS:
        raise MailRefused(f"The message has more than {MAX_PARTS} parts.")
    notes: list[str] = []
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        _check_tree(message)
        sender, sender_name = _sender(message, notes)
        subject = decode_words(_header(message, "subject"), notes)[:MAX_SUBJECT]
        body, attachments = _body_and_attachments(message, notes)
        message_id = _message_id(_header(message, "message-id"))
        in_reply_to = _message_id(_header(message, "in-reply-to"))
        references = _references(_header(message, "references"))
        date = _date(message)
        automated_kind, automated = _automated(message, sender)
    except RecursionError:
        raise MailRefused(f"The message nests its parts more than {MAX_DEPTH} levels deep.") from None
    if not message_id:
        # Same bytes, same id: a message filed twice without a Message-ID is still filed once.
        message_id = f"sha256-{hashlib.sha256(raw).hexdigest()}@rapport.invalid"
    if not subject:
        subject = "(no subject)"
    return ParsedMail(
        message_id=message_id,
        sender=sender,
        sender_name=sender_name,
        subject=subject,
        date=date,
        body=body,
        in_reply_to=in_reply_to,
        references=references,
        automated=automated,
        automated_kind=automated_kind,
        attachments=attachments,
        notes=tuple(dict.fromkeys(notes)),
    )
