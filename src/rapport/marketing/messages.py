"""The campaign pages' messages in the user's language: what the campaign services say (in English, as the API
returns them), translated by the catalogue or, where they quote a value, by pattern."""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from rapport.common.messages import SHARED_MESSAGES, Catalogue, Pattern
from rapport.sales.views.messages import PATTERNS as SALES_PATTERNS

FIXED = (
    *SHARED_MESSAGES,
    gettext_noop("Marketers and sales managers run campaigns; your role reads them."),
    gettext_noop("Your role reads campaigns but does not record their responses."),
    gettext_noop("Choose a main campaign: parts go one level deep."),
    gettext_noop("A campaign cannot be part of itself."),
    gettext_noop("This campaign has parts of its own, so it cannot be part of another."),
    gettext_noop("Must be on or after the start."),
    gettext_noop("Must be at least the minimum goal."),
    gettext_noop("At most 1095 days (three years)."),
    gettext_noop("Name one person who responded: a contact, a lead or an account."),
    gettext_noop("Choose a contact you can see."),
    gettext_noop("Choose a lead you can see."),
    gettext_noop("Choose an account you can see."),
    gettext_noop("Must be between a year before the campaign's start and today."),
    gettext_noop("This person's response of that kind is recorded already."),
    gettext_noop("No such campaign."),
    gettext_noop("No such cost on this campaign."),
    gettext_noop("No such response on this campaign."),
    gettext_noop("Must be more than zero."),
    gettext_noop("Must not be negative."),
    gettext_noop("Too large."),
    gettext_noop("Must be a whole number."),
    gettext_noop("Must be a year such as 2026."),
)

# The amounts, currencies and choices the campaign forms share with the sales documents' (one wording, one translation).
PATTERNS: tuple[Pattern, ...] = (
    (re.compile(r"No such campaign: (?P<value>.*)\."), gettext_noop("No such campaign: %(value)s.")),
    (re.compile(r"No such user: (?P<value>.*)\."), gettext_noop("No such user: %(value)s.")),
    *SALES_PATTERNS,
)


_CATALOGUE = Catalogue(PATTERNS)
say = _CATALOGUE.say
translated = _CATALOGUE.translated
