"""The services' error messages in the user's language.

Services speak English (the API returns their messages as they are); the pages
translate them here. Fixed messages go through the catalogue as they are;
messages that quote what the user typed are matched by pattern so the quoted
value survives the translation.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

# Fixed messages of customers.validation / records / services, listed so makemessages collects them.
FIXED = (
    gettext_noop("This field is required."),
    gettext_noop("A value is required."),
    gettext_noop("Give a first name, a last name or both."),
    gettext_noop("Must be a whole number."),
    gettext_noop("Must be text."),
    gettext_noop("Must be true or false."),
    gettext_noop("Must be an id."),
    gettext_noop("Must be between 0 and 2,147,483,647."),
    gettext_noop("Unknown field."),
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
    gettext_noop("The cursor is not valid; start again from the first page."),
    gettext_noop("Only the person who logged an interaction may correct it."),
    # Lead imports (dataops.lead_import, customers.lead_files)
    gettext_noop("The file is empty."),
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
    # The upload rules (common.uploads), shown for an email's attachments that were not kept
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
    # core.passwords and core.two_factor
    gettext_noop("Your current password is not right."),
    gettext_noop("Choose a password different from the current one."),
    gettext_noop("Enter the email address of your account."),
    gettext_noop("This reset link is not valid any more; ask for a new one."),
    gettext_noop("That code is not right; use the current code from your app or a recovery code."),
    gettext_noop("Your administrator requires a second factor for staff; it cannot be turned off."),
)

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"'(?P<value>.*)' is not a valid phone number\."), gettext_noop("“%(value)s” is not a valid phone number.")),
    (re.compile(r"'(?P<value>.*)' is not a phone number\."), gettext_noop("“%(value)s” is not a phone number.")),
    (
        re.compile(r"'(?P<value>.*)' is not an ISO 3166 country code such as CN or US\."),
        gettext_noop("“%(value)s” is not a country code such as CN or US."),
    ),
    (re.compile(r"'(?P<value>.*)' is not a date \(YYYY-MM-DD\)\."), gettext_noop("“%(value)s” is not a date (YYYY-MM-DD).")),
    (re.compile(r"'(?P<value>.*)' is not a number\."), gettext_noop("“%(value)s” is not a number.")),
    (re.compile(r"'(?P<value>.*)' is not an id\."), gettext_noop("“%(value)s” is not an id.")),
    (re.compile(r"'(?P<value>.*)' is not one of: (?P<choices>.*)\."), gettext_noop("“%(value)s” is not one of: %(choices)s.")),
    (
        re.compile(r"At most (?P<limit>\d+) characters \(this has (?P<length>\d+)\)\."),
        gettext_noop("At most %(limit)s characters (this has %(length)s)."),
    ),
    (re.compile(r"No such record: (?P<value>\d+)\."), gettext_noop("No such record: %(value)s.")),
    (re.compile(r"No such contact: (?P<value>\d+)\."), gettext_noop("No such contact: %(value)s.")),
    (re.compile(r"No such lead: (?P<value>\d+)\."), gettext_noop("No such lead: %(value)s.")),
    (re.compile(r"No such account: (?P<value>\d+)\."), gettext_noop("No such account: %(value)s.")),
    (
        re.compile(r"Column “(?P<value>.*)” is not a lead field and is not imported\."),
        gettext_noop("Column “%(value)s” is not a lead field and is not imported."),
    ),
    (re.compile(r"The file is larger than (?P<value>[\d.]+ [KM]B)\."), gettext_noop("The file is larger than %(value)s.")),
    (re.compile(r"The archive has more than (?P<value>\d+) parts\."), gettext_noop("The archive has more than %(value)s parts.")),
    (
        re.compile(r"This kind of file is not accepted; send one of (?P<value>.*)\."),
        gettext_noop("This kind of file is not accepted; send one of %(value)s."),
    ),
    (
        re.compile(r"The file is (?P<kind>an? [\w ]+|plain text) but its name ends in '(?P<value>.*)'\."),
        gettext_noop("The file is %(kind)s but its name ends in “%(value)s”."),
    ),
    (
        re.compile(r"The card has no END:VCARD before line (?P<value>\d+)\."),
        gettext_noop("The card has no END:VCARD before line %(value)s."),
    ),
)


def translate_error(message: str, *, field: str = "") -> str:
    for pattern, template in PATTERNS:
        if found := pattern.fullmatch(message):
            # A quoted kind of file ("a PDF document") is one of the fixed labels: in the user's words too.
            values = {key: gettext(value) if key == "kind" else value for key, value in found.groupdict().items()}
            return gettext(template) % values
    translated = gettext(message)
    if translated == message and field.startswith("emails["):
        # email-validator explains in English; say the essential in the user's language first.
        return gettext("Not a valid email address (%(detail)s)") % {"detail": message}
    return translated
