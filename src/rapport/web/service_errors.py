"""The services' error messages in the user's language.

Services speak English (the API returns their messages as they are); the pages
translate them here. Fixed messages go through the catalogue as they are;
messages that quote what the user typed are matched by pattern so the quoted
value survives the translation.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

# Fixed messages of customers.validation / records / services, listed so makemessages collects them.
FIXED = (
    N_("This field is required."),
    N_("A value is required."),
    N_("Give a first name, a last name or both."),
    N_("Must be a whole number."),
    N_("Must be text."),
    N_("Must be true or false."),
    N_("Must be an id."),
    N_("Must be between 0 and 2,147,483,647."),
    N_("Unknown field."),
    N_("No such user."),
    N_("No such team."),
    N_("No such custom field."),
    N_("At most 20 entries."),
    N_("At most 50 tags."),
    N_("At most 254 characters."),
    N_("Contains a NUL character."),
    N_("A record cannot be its own parent."),
    N_("An email address is required."),
    N_("A phone number is required."),
    N_("You may not assign records to this owner or team."),
    N_("You may see this record but not change it."),
    N_("You may not reassign this record."),
    N_("Your role may read customer records but not change them."),
    N_("You may not delete this record."),
    N_("This record has records that depend on it (e.g. subsidiaries); move or delete them first."),
    N_("Other records depend on this one."),
    N_("Say which account, contact or lead this interaction is with."),
    N_("The cursor is not valid; start again from the first page."),
    N_("Only the person who logged an interaction may correct it."),
)

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"'(?P<value>.*)' is not a valid phone number\."), N_("“%(value)s” is not a valid phone number.")),
    (re.compile(r"'(?P<value>.*)' is not a phone number\."), N_("“%(value)s” is not a phone number.")),
    (
        re.compile(r"'(?P<value>.*)' is not an ISO 3166 country code such as CN or US\."),
        N_("“%(value)s” is not a country code such as CN or US."),
    ),
    (re.compile(r"'(?P<value>.*)' is not a date \(YYYY-MM-DD\)\."), N_("“%(value)s” is not a date (YYYY-MM-DD).")),
    (re.compile(r"'(?P<value>.*)' is not a number\."), N_("“%(value)s” is not a number.")),
    (re.compile(r"'(?P<value>.*)' is not an id\."), N_("“%(value)s” is not an id.")),
    (re.compile(r"'(?P<value>.*)' is not one of: (?P<choices>.*)\."), N_("“%(value)s” is not one of: %(choices)s.")),
    (
        re.compile(r"At most (?P<limit>\d+) characters \(this has (?P<length>\d+)\)\."),
        N_("At most %(limit)s characters (this has %(length)s)."),
    ),
    (re.compile(r"No such record: (?P<value>\d+)\."), N_("No such record: %(value)s.")),
)


def translate_error(message: str, *, field: str = "") -> str:
    for pattern, template in PATTERNS:
        if found := pattern.fullmatch(message):
            return gettext(template) % found.groupdict()
    translated = gettext(message)
    if translated == message and field.startswith("emails["):
        # email-validator explains in English; say the essential in the user's language first.
        return gettext("Not a valid email address (%(detail)s)") % {"detail": message}
    return translated
