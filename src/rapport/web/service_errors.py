"""The services' error messages in the user's language.

Services speak English (the API returns their messages as they are); the pages
translate them here. Fixed messages go through the catalogue as they are;
messages that quote what the user typed are matched by pattern so the quoted
value survives the translation.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

from rapport.common.messages import (
    PHONE_PATTERNS,
    SHARED_MESSAGES,
    SHARED_PATTERNS,
    UPLOAD_MESSAGES,
    UPLOAD_PATTERNS,
    Pattern,
    in_user_language,
)

# Fixed messages of customers.validation / records / services, listed so makemessages collects them.
FIXED = (
    *SHARED_MESSAGES,
    *UPLOAD_MESSAGES,
    gettext_noop("A value is required."),
    gettext_noop("Give a first name, a last name or both."),
    gettext_noop("Must be a whole number."),
    gettext_noop("Must be text."),
    gettext_noop("Must be true or false."),
    gettext_noop("Must be between 0 and 2,147,483,647."),
    gettext_noop("No such user."),
    gettext_noop("No such team."),
    gettext_noop("No such custom field."),
    gettext_noop("At most 20 entries."),
    gettext_noop("At most 50 tags."),
    gettext_noop("At most 254 characters."),
    gettext_noop("Contains a NUL character."),
    gettext_noop("A record cannot be its own parent."),
    gettext_noop("An email address is required."),
    gettext_noop("A phone number is required."),
    gettext_noop("You may not assign records to this owner or team."),
    gettext_noop("You may see this record but not change it."),
    gettext_noop("You may not reassign this record."),
    gettext_noop("Your role may read customer records but not change them."),
    gettext_noop("You may not delete this record."),
    gettext_noop("This record has records that depend on it (e.g. subsidiaries); move or delete them first."),
    gettext_noop("Other records depend on this one."),
    gettext_noop("Say which account, contact or lead this interaction is with."),
    gettext_noop("Only the person who logged an interaction may correct it."),
    # Lead imports (dataops.lead_import, customers.lead_files)
    gettext_noop("The file holds no leads."),
    gettext_noop("The file has no header row."),
    gettext_noop("This is not a text file: save the spreadsheet as CSV (UTF-8) or export vCards."),
    gettext_noop("The file is not text in UTF-8 or GB18030: save it from Excel as “CSV UTF-8”."),
    gettext_noop("The file contains NUL characters: it is not a text file."),
    gettext_noop("No BEGIN:VCARD found: this is not a vCard file."),
    gettext_noop("No column is a lead field: the first row must name the columns (name, company, phone, email...)."),
    gettext_noop("The file is larger than 2 MB: split it."),
    gettext_noop("This import has already been confirmed."),
    gettext_noop("Only the person who uploaded the file confirms its import."),
    gettext_noop("Your role may read leads but not import them."),
    gettext_noop("The last card has no END:VCARD."),
    # Skipped inbound mail (dataops.skipped_mail)
    gettext_noop("Choose the contact, lead or account to file it on."),
    gettext_noop("Choose one record: a contact, a lead or an account."),
    gettext_noop("This message has been filed already."),
    gettext_noop("This message could not be read, so there is nothing to file."),
    # core.passwords and core.two_factor
    gettext_noop("Your current password is not right."),
    gettext_noop("Choose a password different from the current one."),
    gettext_noop("Enter the email address of your account."),
    gettext_noop("This reset link is not valid any more; ask for a new one."),
    gettext_noop("That code is not right; use the current code from your app or a recovery code."),
    gettext_noop("Your administrator requires a second factor for staff; it cannot be turned off."),
)

PATTERNS: tuple[Pattern, ...] = (
    *SHARED_PATTERNS,
    *UPLOAD_PATTERNS,
    *PHONE_PATTERNS,
    (
        re.compile(r"'(?P<value>.*)' is not an ISO 3166 country code such as CN or US\."),
        gettext_noop("“%(value)s” is not a country code such as CN or US."),
    ),
    (re.compile(r"'(?P<value>.*)' is not a number\."), gettext_noop("“%(value)s” is not a number.")),
    (re.compile(r"'(?P<value>.*)' is not one of: (?P<choices>.*)\."), gettext_noop("“%(value)s” is not one of: %(choices)s.")),
    (re.compile(r"No such contact: (?P<value>\d+)\."), gettext_noop("No such contact: %(value)s.")),
    (re.compile(r"No such lead: (?P<value>\d+)\."), gettext_noop("No such lead: %(value)s.")),
    (re.compile(r"No such account: (?P<value>\d+)\."), gettext_noop("No such account: %(value)s.")),
    (
        re.compile(r"Column “(?P<value>.*)” is not a lead field and is not imported\."),
        gettext_noop("Column “%(value)s” is not a lead field and is not imported."),
    ),
    (
        re.compile(r"The card has no END:VCARD before line (?P<value>\d+)\."),
        gettext_noop("The card has no END:VCARD before line %(value)s."),
    ),
)


def translate_error(message: str, *, field: str = "") -> str:
    translated = in_user_language(message, PATTERNS)
    if translated == message and field.startswith("emails["):
        # email-validator explains in English; say the essential in the user's language first.
        return gettext("Not a valid email address (%(detail)s)") % {"detail": message}
    return translated
