"""The sales services' messages in the user's language, for the document and catalogue pages.

Services speak English (the API returns their messages as they are). Fixed
messages go through the catalogue as they are; those that quote a value are
matched by pattern so the value survives; a refused status change is said
again from what the page knows (the record's status and the one asked for).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext, gettext_noop

from rapport.common.errors import RapportError, ValidationFailed

FIXED = (
    gettext_noop("This field is required."),
    gettext_noop("Must be more than zero."),
    gettext_noop("Must not be negative."),
    gettext_noop("Too large."),
    gettext_noop("A percentage is between 0 and 100."),
    gettext_noop("Choose a product or describe the line."),
    gettext_noop("A line without a product needs a price."),
    gettext_noop("Only a sales manager may set a price other than the price book's."),
    gettext_noop("Choose an account you can see."),
    gettext_noop("When was it paid? (YYYY-MM-DD)"),
    gettext_noop("Between 0 and 365 days."),
    gettext_noop("The invoice is void."),
    gettext_noop("A cancelled order is not invoiced."),
    gettext_noop("The order is invoiced in full."),
    gettext_noop("Money was received for this order; record a return and refund instead."),
    gettext_noop("Only an accepted quote becomes an order."),
    gettext_noop("This quote is ordered already."),
    gettext_noop("A quote without lines cannot be accepted."),
    gettext_noop("An accepted quote is not revised; make a new quote."),
    gettext_noop("Revise the latest revision of this quote."),
    gettext_noop("Add a line before sending the quote."),
    gettext_noop("Name at least one recipient."),
    gettext_noop("Another product has this SKU."),
    gettext_noop("There is a price book with this name already."),
    gettext_noop("A price book is for an account group or for a tag, not both."),
    gettext_noop("The default book is for every customer; leave the account and tag empty."),
    gettext_noop("Only an administrator changes the catalogue and its prices."),
    gettext_noop("Your role may read opportunities but not change them."),
    gettext_noop("Quotas are set by the rep's manager or an administrator."),
    gettext_noop("The period ends before it starts."),
    gettext_noop("A quota covers at most a year."),
    gettext_noop("A date is required (YYYY-MM-DD)."),
    gettext_noop("At most 200 characters."),
    gettext_noop("The cursor is not valid; start again from the first page."),
    gettext_noop("This person is not a contact of the quote's account."),
    gettext_noop("This opportunity is for another account."),
    # contracts
    gettext_noop("A draft contract is not renewed; make it active by editing it."),
    gettext_noop("A terminated contract is not renewed; make a new one."),
    gettext_noop("This contract has ended already; there is nothing left to terminate."),
    gettext_noop("This contract is terminated already."),
    gettext_noop("An ended contract is renewed, not reopened."),
    gettext_noop("A terminated contract is not reopened; make a new one."),
    gettext_noop("Choose draft or active; a contract ends by termination or at its end date."),
    gettext_noop("The end comes on or after the start."),
    gettext_noop("Give a date (YYYY-MM-DD)."),
    gettext_noop("Must be an id."),
    gettext_noop("Unknown field."),
    gettext_noop("This field is set by the server and cannot be changed."),
    gettext_noop("No such contract."),
    gettext_noop("No such document."),
    gettext_noop("The file of this document is missing."),
    # uploads (common.uploads), and the kinds of file it names
    gettext_noop("Choose a file."),
    gettext_noop("The file is empty."),
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

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"'(?P<value>.*)' is not an amount\."), gettext_noop("“%(value)s” is not an amount.")),
    (re.compile(r"'(?P<value>.*)' is not a date \(YYYY-MM-DD\)\."), gettext_noop("“%(value)s” is not a date (YYYY-MM-DD).")),
    (re.compile(r"'(?P<value>.*)' is not an id\."), gettext_noop("“%(value)s” is not an id.")),
    (
        re.compile(r"'(?P<value>.*)' is not a supported ISO 4217 currency code\."),
        gettext_noop("“%(value)s” is not a supported currency code."),
    ),
    (
        re.compile(r"(?P<currency>[A-Z]{3}) has (?P<places>\d) decimal places\."),
        gettext_noop("%(currency)s has %(places)s decimal places."),
    ),
    (
        re.compile(r"Only (?P<amount>[\d.]+) (?P<currency>[A-Z]{3}) is outstanding\."),
        gettext_noop("Only %(amount)s %(currency)s is outstanding."),
    ),
    (re.compile(r"No such product: (?P<value>.*)\."), gettext_noop("No such product: %(value)s.")),
    (re.compile(r"No such record: (?P<value>.*)\."), gettext_noop("No such record: %(value)s.")),
    (re.compile(r"(?P<sku>.+) is no longer sold\."), gettext_noop("%(sku)s is no longer sold.")),
    (
        re.compile(r"No price book in (?P<currency>[A-Z]{3}) lists (?P<sku>.+)\."),
        gettext_noop("No price book in %(currency)s lists %(sku)s; ask an administrator to price it, or type a price."),
    ),
    (re.compile(r"Choose one of (?P<choices>.*)\."), gettext_noop("Choose one of %(choices)s.")),
    (
        re.compile(r"The lines are priced in (?P<currency>[A-Z]{3}); remove them before changing the currency\."),
        gettext_noop("The lines are priced in %(currency)s; remove them before changing the currency."),
    ),
    (
        re.compile(r"At most (?P<limit>\d+) characters \(this has (?P<length>\d+)\)\."),
        gettext_noop("At most %(limit)s characters (this has %(length)s)."),
    ),
    (
        re.compile(r"There is a default price book in (?P<currency>[A-Z]{3}) already\."),
        gettext_noop("There is a default price book in %(currency)s already."),
    ),
    (re.compile(r"The contract started on (?P<date>[\d-]+)\."), gettext_noop("The contract started on %(date)s.")),
    (
        re.compile(r"The new term starts on (?P<date>[\d-]+); it ends on or after that\."),
        gettext_noop("The new term starts on %(date)s; it ends on or after that."),
    ),
    (re.compile(r"A number of days from 0 to (?P<limit>\d+)\."), gettext_noop("A number of days from 0 to %(limit)s.")),
    (re.compile(r"The file is larger than (?P<limit>.+)\."), gettext_noop("The file is larger than %(limit)s.")),
    (re.compile(r"The archive has more than (?P<limit>\d+) parts\."), gettext_noop("The archive has more than %(limit)s parts.")),
    (
        re.compile(r"This kind of file is not accepted; send one of (?P<accepted>.+)\."),
        gettext_noop("This kind of file is not accepted; send one of %(accepted)s."),
    ),
    (
        re.compile(r"The file is (?P<kind>an? .+|plain text) but its name ends in '(?P<ext>.*)'\."),
        gettext_noop("The file is %(kind)s but its name ends in '%(ext)s'."),
    ),
)
# Parts of a matched message that are themselves catalogue entries (never what the user typed).
TRANSLATED_PARTS = frozenset({"kind"})

ORDER_REFUSAL = gettext_noop("This order is %(status)s: it cannot be moved to “%(wanted)s”.")
QUOTE_REFUSAL = gettext_noop("This quote is %(status)s: it cannot be marked “%(wanted)s”.")
QUOTE_LOCKED = gettext_noop("This quote is %(status)s, so its lines are fixed. Make a new version to change it.")


def say(message: str) -> str:
    """One service message in the user's language."""
    for pattern, template in PATTERNS:
        if matched := pattern.fullmatch(message):
            parts = {name: gettext(value) if name in TRANSLATED_PARTS else value for name, value in matched.groupdict().items()}
            return gettext(template) % parts
    return gettext(message)


def translated(exc: ValidationFailed) -> ValidationFailed:
    """The same failure with every message in the user's language (for ``ServiceErrorsMixin.apply_errors``)."""
    fields = {name: [say(m) for m in found] for name, found in exc.field_errors.items()}
    return ValidationFailed(say(exc.message), field_errors=fields)


def refusal(exc: RapportError, *, order: Any = None, quote: Any = None, wanted: str = "") -> str:
    """Why a change was refused, said plainly: for a status change, from the record's status as it is now."""
    if isinstance(exc, ValidationFailed) and exc.field_errors:
        return " ".join(say(m) for found in exc.field_errors.values() for m in found)
    for record, template in ((order, ORDER_REFUSAL), (quote, QUOTE_REFUSAL)):
        if record is not None and wanted and exc.message.startswith("A ") and " cannot become " in exc.message:
            record.refresh_from_db()
            labels = dict(type(record)._meta.get_field("status").choices or ())
            return gettext(template) % {"status": str(record.get_status_display()).lower(), "wanted": labels.get(wanted, wanted)}
    if quote is not None and exc.message.startswith("This quote is ") and "revise it" in exc.message:
        quote.refresh_from_db()
        return gettext(QUOTE_LOCKED) % {"status": str(quote.get_status_display()).lower()}
    return say(exc.message)
