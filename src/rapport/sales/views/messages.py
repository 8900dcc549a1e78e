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
from rapport.common.messages import SHARED_MESSAGES, SHARED_PATTERNS, UPLOAD_MESSAGES, UPLOAD_PATTERNS, Catalogue, Pattern

FIXED = (
    *SHARED_MESSAGES,
    *UPLOAD_MESSAGES,
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
    gettext_noop("The new term would be over already; choose an end date from today on."),
    gettext_noop("Give a date (YYYY-MM-DD)."),
    gettext_noop("This field is set by the server and cannot be changed."),
    gettext_noop("No such contract."),
    gettext_noop("No such document."),
    gettext_noop("The file of this document is missing."),
)

PATTERNS: tuple[Pattern, ...] = (
    *SHARED_PATTERNS,
    *UPLOAD_PATTERNS,
    (re.compile(r"'(?P<value>.*)' is not an amount\."), gettext_noop("“%(value)s” is not an amount.")),
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
        re.compile(r"There is a default price book in (?P<currency>[A-Z]{3}) already\."),
        gettext_noop("There is a default price book in %(currency)s already."),
    ),
    (re.compile(r"The contract started on (?P<date>[\d-]+)\."), gettext_noop("The contract started on %(date)s.")),
    (
        re.compile(r"The current term ends on (?P<date>[\d-]+); the new one starts after that\."),
        gettext_noop("The current term ends on %(date)s; the new one starts after that."),
    ),
    (
        re.compile(r"The new term starts on (?P<date>[\d-]+); it ends on or after that\."),
        gettext_noop("The new term starts on %(date)s; it ends on or after that."),
    ),
    (re.compile(r"A number of days from 0 to (?P<limit>\d+)\."), gettext_noop("A number of days from 0 to %(limit)s.")),
)

ORDER_REFUSAL = gettext_noop("This order is %(status)s: it cannot be moved to “%(wanted)s”.")
QUOTE_REFUSAL = gettext_noop("This quote is %(status)s: it cannot be marked “%(wanted)s”.")
QUOTE_LOCKED = gettext_noop("This quote is %(status)s, so its lines are fixed. Make a new version to change it.")


_CATALOGUE = Catalogue(PATTERNS)
say = _CATALOGUE.say
translated = _CATALOGUE.translated


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
