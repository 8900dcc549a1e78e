"""Service messages in the user's language: what every door's pages share.

Services speak English (the API returns their messages as they are); pages
translate them. Fixed messages go through the catalogue as they are; those
that quote a value are matched by pattern so the value survives. Each domain's
pages add their own messages to the ones here (``web.service_errors``,
``sales.views.messages``); what more than one domain says lives here once, so
one wording has one translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext, gettext_noop

from rapport.common.errors import ValidationFailed

Pattern = tuple[re.Pattern[str], str]

# Fixed messages more than one domain's services say (listed so makemessages collects them).
SHARED_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("Must be an id."),
    gettext_noop("Unknown field."),
    gettext_noop("The cursor is not valid; start again from the first page."),
    gettext_noop("The file is empty."),
)

# The upload rules (common.uploads) and the kinds of file they name.
UPLOAD_MESSAGES = (
    gettext_noop("Choose a file."),
    gettext_noop("The file has no usable name."),
    gettext_noop("The archive has a part whose path leaves the archive."),
    gettext_noop("The archive expands to too much data (a decompression bomb?)."),
    gettext_noop("The archive holds another archive; nested archives are refused."),
    gettext_noop("The file is a damaged or unsupported archive."),
    gettext_noop("Only Word (.docx) and Excel (.xlsx) archives are accepted."),
    gettext_noop("a PDF document"),
    gettext_noop("a PNG image"),
    gettext_noop("a JPEG image"),
    gettext_noop("a Word document"),
    gettext_noop("an Excel workbook"),
    gettext_noop("plain text"),
)

SHARED_PATTERNS: tuple[Pattern, ...] = (
    (re.compile(r"'(?P<value>.*)' is not a date \(YYYY-MM-DD\)\."), gettext_noop("“%(value)s” is not a date (YYYY-MM-DD).")),
    (re.compile(r"'(?P<value>.*)' is not an id\."), gettext_noop("“%(value)s” is not an id.")),
    (
        re.compile(r"At most (?P<limit>\d+) characters \(this has (?P<length>\d+)\)\."),
        gettext_noop("At most %(limit)s characters (this has %(length)s)."),
    ),
    (re.compile(r"No such record: (?P<value>.*)\."), gettext_noop("No such record: %(value)s.")),
)

# What ``common.phones`` says of a number that is not one (the record forms, the import, the screen pop).
PHONE_PATTERNS: tuple[Pattern, ...] = (
    (re.compile(r"'(?P<value>.*)' is not a valid phone number\."), gettext_noop("“%(value)s” is not a valid phone number.")),
    (re.compile(r"'(?P<value>.*)' is not a phone number\."), gettext_noop("“%(value)s” is not a phone number.")),
)

UPLOAD_PATTERNS: tuple[Pattern, ...] = (
    (re.compile(r"The file is larger than (?P<limit>[\d.]+ [KM]B)\."), gettext_noop("The file is larger than %(limit)s.")),
    (re.compile(r"The archive has more than (?P<limit>\d+) parts\."), gettext_noop("The archive has more than %(limit)s parts.")),
    (
        re.compile(r"This kind of file is not accepted; send one of (?P<accepted>.+)\."),
        gettext_noop("This kind of file is not accepted; send one of %(accepted)s."),
    ),
    (
        re.compile(r"The file is (?P<kind>an? .+|plain text) but its name ends in '(?P<ext>.*)'\."),
        gettext_noop("The file is %(kind)s but its name ends in “%(ext)s”."),
    ),
)

# Parts of a matched message that are themselves catalogue entries (a kind of file), never what the user typed.
LABEL_PARTS = frozenset({"kind"})


def in_user_language(message: str, patterns: Iterable[Pattern]) -> str:
    """``message`` in the active language: by the first pattern it matches, else as a fixed message."""
    for pattern, template in patterns:
        if matched := pattern.fullmatch(message):
            parts = {name: gettext(value) if name in LABEL_PARTS else value for name, value in matched.groupdict().items()}
            return gettext(template) % parts
    return gettext(message)


class Catalogue:
    """One domain's pages' way of saying its services' messages: ``say`` one, ``translated`` a whole refusal."""

    def __init__(self, patterns: Iterable[Pattern]):
        self.patterns = tuple(patterns)

    def say(self, message: str) -> str:
        """One service message in the user's language."""
        return in_user_language(message, self.patterns)

    def translated(self, exc: ValidationFailed) -> ValidationFailed:
        """The same failure with every message in the user's language (for ``ServiceErrorsMixin.apply_errors``)."""
        fields = {name: [self.say(m) for m in found] for name, found in exc.field_errors.items()}
        return ValidationFailed(self.say(exc.message), field_errors=fields)
