"""atheris harness: the inbound mail parser raises MailRefused or returns a clean reading, nothing else.

.venv/bin/python tests/fuzz/fuzz_mail.py -max_total_time=60 tests/fuzz/corpus/mail
"""

from __future__ import annotations

import os
import sys

import atheris
import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
# Django itself is set up uninstrumented: only the parser's own code guides the fuzzer.
django.setup()

with atheris.instrument_imports():
    from rapport.common.mail_parse import MAX_BODY_CHARS, MAX_SUBJECT, MailRefused, parse_mail


def _one_line(value: str) -> bool:
    return not any(ch in value for ch in "\r\n\x00")


def test_one_input(data: bytes) -> None:
    try:
        parsed = parse_mail(data)
    except MailRefused as refused:
        assert refused.field_errors["file"], refused
        return
    assert parsed.message_id and _one_line(parsed.message_id), parsed
    assert 0 < len(parsed.subject) <= MAX_SUBJECT and _one_line(parsed.subject), parsed
    assert _one_line(parsed.sender) and _one_line(parsed.sender_name), parsed
    assert _one_line(parsed.in_reply_to) and all(_one_line(ref) for ref in parsed.references), parsed
    assert len(parsed.body) <= MAX_BODY_CHARS and "\r" not in parsed.body, parsed
    assert parsed.date is None or parsed.date.tzinfo is not None, parsed
    for attachment in parsed.attachments:
        assert attachment.filename and "/" not in attachment.filename and "\\" not in attachment.filename, attachment
        assert attachment.size == len(attachment.payload), attachment


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
