"""Quotes: reads scoped to the user, and every write (header, lines, revise, accept, send).

A quote has an owner and a team like an account and follows the same
visibility rules (``core.policies``). Lines change only on a draft; each line
change locks the quote row, rewrites the stored totals from all its lines and
bumps the version, in one transaction, so two people editing one quote never
leave totals that disagree with its lines (docs/adr/0004-balances-and-locks.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_supported_language_variant, gettext

from rapport.common.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from rapport.core import policies
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.models import Account, Channel, Direction
from rapport.customers.selectors import visible_account, visible_contact
from rapport.customers.validation import Errors, clean_date, clean_text
from rapport.sales.catalog_models import Quote, QuoteLine, QuoteStatus
from rapport.sales.lines import MAX_LINES, clean_line, totals_of
from rapport.sales.selectors import visible_opportunity
from rapport.sales.services import clean_currency, require_writer

HEADER_TEXT = {"title": 200, "notes": 20000}
HEADER_FIELDS = frozenset({*HEADER_TEXT, "valid_until", "contact_id", "opportunity_id"})
CREATE_FIELDS = HEADER_FIELDS | {"account_id", "currency", "lines", "shared_with_team"}
# A draft's header may also change currency, as long as no line is priced in the old one (checked under the row lock).
UPDATE_FIELDS = HEADER_FIELDS | {"currency"}
OTHER_ACCOUNT = {
    "contact_id": "This person is not a contact of the quote's account.",
    "opportunity_id": "This opportunity is for another account.",
}
# Why a field cannot be changed on a draft, said in words (the rest: set by the server, or unknown).
NOT_CHANGED = {
    "account_id": "A quote stays with its account; make a new quote for the other account.",
    "lines": "Lines change one at a time: POST /quotes/{id}/lines, PUT or DELETE /quote-lines/{id}.",
    "shared_with_team": "Set when the quote is made.",
}
AUDITED = ("title", "notes", "valid_until", "contact_id", "opportunity_id", "currency", "status", "grand_total")


def quote_list_for_user(*, user: User) -> QuerySet[Quote]:
    return policies.restrict(Quote.objects.all(), user).select_related("account", "owner")


def quote_get_for_user(*, user: User, quote_id: int) -> Quote:
    found = quote_list_for_user(user=user).select_related("contact", "opportunity", "team").filter(pk=quote_id).first()
    if found is None:
        raise NotFound("No such quote.")
    return found


def quote_line_get_for_user(*, user: User, line_id: int) -> QuoteLine:
    visible = policies.restrict(QuoteLine.objects.all(), user, prefix="quote__")
    found = visible.select_related("quote__account").filter(pk=line_id).first()
    if found is None:
        raise NotFound("No such quote line.")
    return found


def quote_lines(*, quote: Quote) -> list[QuoteLine]:
    return list(quote.lines.select_related("product").order_by("position", "id"))


def quote_revisions(*, user: User, quote: Quote) -> list[Quote]:
    return list(quote_list_for_user(user=user).filter(family_id=quote.family_id).order_by("revision"))


def _require_editor(actor: User, quote: Quote) -> None:
    require_writer(actor)
    if not policies.can_edit(actor, quote):
        raise NotFound("No such quote.")


def _snapshot(quote: Quote) -> dict[str, Any]:
    return {name: getattr(quote, name) for name in AUDITED}


def _clean_header(actor: User, data: Mapping[str, Any], allowed: frozenset[str], account_id: int | None) -> dict[str, Any]:
    """The header values checked; the addressee and the opportunity must be ones the actor sees, of the quote's account."""
    errors = Errors()
    for key in data:
        if key not in allowed:
            server_set = "This field is set by the server and cannot be changed." if hasattr(Quote, key) else "Unknown field."
            errors.add(key, NOT_CHANGED.get(key, server_set))
    values: dict[str, Any] = {}
    for name, limit in HEADER_TEXT.items():
        if name in data:
            values[name] = clean_text(data[name], field=name, max_length=limit, errors=errors, required=name == "title")
    if "valid_until" in data:
        values["valid_until"] = clean_date(data["valid_until"], field="valid_until", errors=errors)
    if "currency" in data and "currency" in allowed:
        values["currency"] = clean_currency(data["currency"], errors=errors)
    for field, resolve in (("contact_id", visible_contact), ("opportunity_id", visible_opportunity)):
        if data.get(field) not in (None, ""):
            found = resolve(actor, data[field]) if str(data[field]).isdigit() else None
            if found is None:
                errors.add(field, f"No such record: {data[field]}.")
            elif account_id is not None and found.account_id != account_id:
                errors.add(field, OTHER_ACCOUNT[field])
            values[field] = found.pk if found else None
        elif field in data:
            values[field] = None
    errors.raise_if_any()
    return values


def _write_totals(quote: Quote) -> None:
    """Rewrite the stored totals from the lines; the caller holds the quote's row lock."""
    fields = totals_of(quote.lines.all(), quote.currency)
    Quote.objects.filter(pk=quote.pk).update(**fields, version=F("version") + 1, updated_at=timezone.now())
    quote.refresh_from_db()


def quote_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Quote:
    """A draft quote for an account (title, currency, optional lines, valid_until, contact, opportunity)."""
    require_writer(actor)
    errors = Errors()
    account = visible_account(actor, data["account_id"]) if str(data.get("account_id") or "").isdigit() else None
    if account is None:
        errors.add("account_id", "Choose an account you can see.")
    currency = clean_currency(data.get("currency"), errors=errors)
    if "title" not in data:
        errors.add("title", "This field is required.")
    header = {k: v for k, v in data.items() if k not in {"account_id", "currency", "lines", "shared_with_team"}}
    values: dict[str, Any] = {}
    try:
        values = _clean_header(actor, header, HEADER_FIELDS, account.pk if account else None)
    except ValidationFailed as exc:
        for field, messages in exc.field_errors.items():
            for message in messages:
                errors.add(field, message)
    errors.raise_if_any()
    assert account is not None  # refused above
    lines = clean_lines(actor, data.get("lines") or [], account, currency)
    with transaction.atomic():
        quote = Quote.objects.create(
            account=account,
            currency=currency,
            owner=actor,
            team_id=actor.team_id,
            shared_with_team=bool(data.get("shared_with_team", False)),
            **values,
        )
        Quote.objects.filter(pk=quote.pk).update(family=quote.pk, number=f"Q-{quote.pk:06d}")
        QuoteLine.objects.bulk_create(QuoteLine(quote=quote, position=i + 1, **line) for i, line in enumerate(lines))
        _write_totals(quote)
        audit_record(actor=actor, action=AuditAction.CREATE, record=quote, changes=diff({}, _snapshot(quote)), via=via)
    return quote


def clean_lines(actor: User, raw: Any, account: Account, currency: str) -> list[dict[str, Any]]:
    """Every line checked; one ValidationFailed naming each wrong field as ``lines[i].field``."""
    if not isinstance(raw, list | tuple) or len(raw) > MAX_LINES:
        raise ValidationFailed.for_field("lines", f"Give a list of at most {MAX_LINES} lines.")
    cleaned: list[dict[str, Any]] = []
    problems: dict[str, list[str]] = {}
    for i, line in enumerate(raw):
        if not isinstance(line, Mapping):
            problems[f"lines[{i}]"] = ["Must be an object."]
            continue
        try:
            cleaned.append(clean_line(actor=actor, data=line, account=account, currency=currency, prefix=f"lines[{i}]."))
        except ValidationFailed as exc:
            problems.update(exc.field_errors)
    if problems:
        raise ValidationFailed("; ".join(f"{k}: {v[0]}" for k, v in problems.items()), field_errors=problems)
    return cleaned


def _lock_draft(quote: Quote, expected_version: int | None) -> Quote:
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(current_version=locked.version)
    if locked.status != QuoteStatus.DRAFT:
        raise Conflict(f"This quote is {locked.get_status_display().lower()}; revise it to change it.")
    return locked


def quote_update(*, actor: User, quote: Quote, data: Mapping[str, Any], expected_version: int | None, via: str = "web") -> Quote:
    """Change a draft quote's header (title, valid until, addressee, opportunity, notes, currency while it has no lines).

    Sent, accepted and other answered quotes are refused with Conflict (revise them
    instead); a stale ``expected_version`` with StaleVersion; nothing is written then.
    """
    _require_editor(actor, quote)
    values = _clean_header(actor, data, UPDATE_FIELDS, quote.account_id)
    with transaction.atomic():
        locked = _lock_draft(quote, expected_version)
        if values.get("currency", locked.currency) != locked.currency and locked.lines.exists():
            raise ValidationFailed.for_field(
                "currency", f"The lines are priced in {locked.currency}; remove them before changing the currency."
            )
        before = _snapshot(locked)
        Quote.objects.filter(pk=locked.pk).update(**values, version=F("version") + 1, updated_at=timezone.now())
        locked.refresh_from_db()
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, _snapshot(locked)), via=via)
    return locked


def quote_line_add(
    *, actor: User, quote: Quote, data: Mapping[str, Any], expected_version: int | None = None, via: str = "web"
) -> QuoteLine:
    _require_editor(actor, quote)
    values = clean_line(actor=actor, data=data, account=quote.account, currency=quote.currency)
    with transaction.atomic():
        locked = _lock_draft(quote, expected_version)
        count = locked.lines.count()
        if count >= MAX_LINES:
            raise Conflict(f"A quote has at most {MAX_LINES} lines.")
        last = locked.lines.order_by("-position").values_list("position", flat=True).first() or 0
        line = QuoteLine.objects.create(quote=locked, position=last + 1, **values)
        before = _snapshot(locked)
        _write_totals(locked)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, _snapshot(locked)), via=via)
    return line


def quote_line_update(
    *, actor: User, quote: Quote, line_id: int, data: Mapping[str, Any], expected_version: int | None = None, via: str = "web"
) -> QuoteLine:
    """Replace one line of a draft quote (the whole line, checked and priced like a new one); the totals follow."""
    _require_editor(actor, quote)
    values = clean_line(actor=actor, data=data, account=quote.account, currency=quote.currency)
    with transaction.atomic():
        locked = _lock_draft(quote, expected_version)
        line = QuoteLine.objects.filter(quote=locked, pk=line_id).first()
        if line is None:
            raise NotFound("No such line on this quote.")
        QuoteLine.objects.filter(pk=line.pk).update(**values, updated_at=timezone.now())
        line.refresh_from_db()
        before = _snapshot(locked)
        _write_totals(locked)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, _snapshot(locked)), via=via)
    return line


def quote_line_remove(*, actor: User, quote: Quote, line_id: int, expected_version: int | None = None, via: str = "web") -> Quote:
    _require_editor(actor, quote)
    with transaction.atomic():
        locked = _lock_draft(quote, expected_version)
        deleted, _ = QuoteLine.objects.filter(quote=locked, pk=line_id).delete()
        if not deleted:
            raise NotFound("No such line on this quote.")
        before = _snapshot(locked)
        _write_totals(locked)
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, _snapshot(locked)), via=via)
    return locked


def quote_revise(*, actor: User, quote: Quote, via: str = "web") -> Quote:
    """The next revision of the quote as a draft with the same lines; the one revised is superseded."""
    _require_editor(actor, quote)
    with transaction.atomic():
        locked = Quote.objects.select_for_update().get(pk=quote.pk)
        if locked.status == QuoteStatus.ACCEPTED:
            raise Conflict("An accepted quote is not revised; make a new quote.")
        latest = Quote.objects.filter(family_id=locked.family_id).order_by("-revision").values_list("revision", flat=True).first() or 1
        if latest != locked.revision:
            raise Conflict("Revise the latest revision of this quote.")
        copy = Quote.objects.create(
            family_id=locked.family_id,
            revision=latest + 1,
            number=f"Q-{locked.family_id:06d}-{latest + 1}",
            **{
                name: getattr(locked, name)
                for name in ("title", "account_id", "contact_id", "opportunity_id", "currency", "valid_until", "notes")
            },
            **{name: getattr(locked, name) for name in ("subtotal", "discount_total", "tax_total", "grand_total")},
            owner=actor,
            team_id=locked.team_id,
            shared_with_team=locked.shared_with_team,
        )
        fields = [f.name for f in QuoteLine._meta.concrete_fields if f.name not in {"id", "quote", "created_at", "updated_at"}]
        QuoteLine.objects.bulk_create(QuoteLine(quote=copy, **{n: getattr(line, n) for n in fields}) for line in locked.lines.all())
        Quote.objects.filter(pk=locked.pk).update(status=QuoteStatus.SUPERSEDED, version=F("version") + 1, updated_at=timezone.now())
        audit_record(
            actor=actor, action=AuditAction.CREATE, record=copy, changes=diff({}, {"revision_of": locked.pk, **_snapshot(copy)}), via=via
        )
    return copy


TRANSITIONS = {
    QuoteStatus.SENT: {QuoteStatus.DRAFT},
    QuoteStatus.ACCEPTED: {QuoteStatus.DRAFT, QuoteStatus.SENT},
    QuoteStatus.REJECTED: {QuoteStatus.DRAFT, QuoteStatus.SENT},
    QuoteStatus.EXPIRED: {QuoteStatus.DRAFT, QuoteStatus.SENT},
}


def quote_set_status(*, actor: User, quote: Quote, status: str, expected_version: int | None = None, via: str = "web") -> Quote:
    """Record the customer's answer (accepted, rejected) or that the quote expired or was sent."""
    _require_editor(actor, quote)
    if status not in TRANSITIONS:
        raise ValidationFailed.for_field("status", f"Choose one of {', '.join(TRANSITIONS)}.")
    with transaction.atomic():
        locked = Quote.objects.select_for_update().get(pk=quote.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(current_version=locked.version)
        if locked.status not in TRANSITIONS[QuoteStatus(status)]:
            raise Conflict(f"A {locked.get_status_display().lower()} quote cannot become {status}.")
        if status == QuoteStatus.ACCEPTED and not locked.lines.exists():
            raise Conflict("A quote without lines cannot be accepted.")
        before = _snapshot(locked)
        extra = {"sent_at": timezone.now()} if status == QuoteStatus.SENT else {}
        Quote.objects.filter(pk=locked.pk).update(status=status, version=F("version") + 1, updated_at=timezone.now(), **extra)
        locked.refresh_from_db()
        audit_record(actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, _snapshot(locked)), via=via)
    return locked


def quote_delete(*, actor: User, quote: Quote, via: str = "web") -> None:
    _require_editor(actor, quote)
    with transaction.atomic():
        locked = _lock_draft(quote, None)
        before, record_id = _snapshot(locked), locked.pk
        locked.delete()
        locked.pk = record_id
        audit_record(actor=actor, action=AuditAction.DELETE, record=locked, changes=diff(before, {}), via=via)


def _supported(*languages: str | None) -> str:
    """The first of ``languages`` Rapport speaks (zh, zh-CN and zh-hans are all Chinese), else the default."""
    for language in languages:
        if language:
            try:
                return get_supported_language_variant(language)
            except LookupError:
                continue
    return str(settings.LANGUAGE_CODE)


def quote_language(*, quote: Quote, asked: str | None = None) -> str:
    """The language a quote's documents are written in: the one asked for, else the contact's, else the active one.

    The PDF goes to the customer, so by default it speaks the customer's
    language whoever downloads or sends it. ``asked`` must be one Rapport
    speaks (422 on ``language`` otherwise).
    """
    if asked:
        supported = {code for code, _label in settings.LANGUAGES}
        try:
            chosen = get_supported_language_variant(asked)
        except LookupError:
            chosen = ""
        if chosen not in supported:
            raise ValidationFailed.for_field("language", f"Choose one of {', '.join(sorted(supported))}.")
        return chosen
    return _supported(quote.contact.language if quote.contact is not None else "", translation.get_language())


def quote_send(*, actor: User, quote: Quote, to: Sequence[str], message: str = "", via: str = "web") -> Quote:
    """Email the quote as a PDF, mark it sent and put the email on the customer's timeline."""
    from rapport.core.jobs.mail import email_queue
    from rapport.customers.services import interaction_log
    from rapport.sales.pdf import quote_pdf

    _require_editor(actor, quote)
    if quote.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT):
        raise Conflict(f"A {quote.get_status_display().lower()} quote is not sent again; revise it first.")
    if not quote.lines.exists():
        raise Conflict("Add a line before sending the quote.")
    # Stored text: the customer's email and its PDF in the contact's language, the timeline entry in the sender's.
    customer_language = _supported(quote.contact.language if quote.contact is not None else "", actor.language)
    pdf = quote_pdf(quote=quote, language=customer_language)
    subject = f"{quote.number}: {quote.title}"
    with translation.override(customer_language):
        body = message.strip() or gettext("Please find our quote %(number)s attached.") % {"number": quote.number}
    with translation.override(_supported(actor.language)):
        logged_subject = gettext("Quote sent: %(subject)s") % {"subject": subject}
    with transaction.atomic():
        email = email_queue(to=list(to), subject=subject, body=body, attachments=[(f"{quote.number}.pdf", pdf, "application/pdf")])
        if quote.status == QuoteStatus.DRAFT:
            quote = quote_set_status(actor=actor, quote=quote, status=QuoteStatus.SENT, via=via)
        else:
            Quote.objects.filter(pk=quote.pk).update(sent_at=timezone.now())
        interaction_log(
            actor=actor,
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            subject=logged_subject[:255],
            body=f"To: {', '.join(to)}\n\n{body}",
            account_id=quote.account_id,
            contact_id=quote.contact_id,
            concerns=f"sales.quote:{quote.pk}",
            # The customer's reply names it in In-Reply-To: inbound mail files the reply beside this entry.
            message_id=email.message_id,
            via=via,
        )
    return quote
