"""The service pages' messages in the user's language: what the case and screen-pop services say (in English, as the
API returns them), translated by the catalogue or, where they quote a value, by pattern."""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from rapport.common.messages import PHONE_PATTERNS, SHARED_MESSAGES, SHARED_PATTERNS, Catalogue, Pattern

FIXED = (
    *SHARED_MESSAGES,
    gettext_noop("A phone number is required."),
    gettext_noop("Choose an account you can see."),
    gettext_noop("Choose a contact you can see."),
    gettext_noop("Choose a contact of the case's account."),
    gettext_noop("Choose open or waiting; a case is resolved with its answer and closed after."),
    gettext_noop("This case is resolved; reopen it first."),
    gettext_noop("This case is resolved already."),
    gettext_noop("Only a resolved case is closed; resolve it first."),
    gettext_noop("This case is closed already."),
    gettext_noop("This case is open already."),
    gettext_noop("No such case."),
    gettext_noop("Choose a score from 1 to 5."),
    gettext_noop("This survey is answered already."),
    gettext_noop("Ask for satisfaction once the case is resolved."),
)

PATTERNS: tuple[Pattern, ...] = (
    *SHARED_PATTERNS,
    *PHONE_PATTERNS,
    (re.compile(r"No such product: (?P<value>.*)\."), gettext_noop("No such product: %(value)s.")),
)


_CATALOGUE = Catalogue(PATTERNS)
say = _CATALOGUE.say
translated = _CATALOGUE.translated
