"""What the access-control matrix needs to know about each API path.

The matrix (``test_idor_matrix.py``) walks every operation in the OpenAPI
document. For a path with an id in it, it must know how to make a record
that one user owns and another may not see — that is this registry. A path
missing here fails the matrix, so an endpoint added later cannot escape it:
register its factory (or say why it is not owned data) when you add it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.forms.models import model_to_dict


def marker() -> str:
    """A unique word put in every record the matrix creates, to spot leaks in any response."""
    return f"Secret{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Owned:
    """A record that ``owner`` creates and that ``stranger`` must not see or touch."""

    make: Callable[[Any, str], Model]  # (owner, marker) -> record


def _account(owner: Any, mark: str) -> Model:
    from rapport.customers.services import account_create

    return account_create(actor=owner, data={"name": f"Account {mark}"})


CONTACT_PHONE = "+86 139 1234 5678"
# Collections that answer only for a given key: what the leak check asks them for.
LIST_PARAMS: dict[str, dict[str, str]] = {"/api/v1/service/screen-pop": {"number": CONTACT_PHONE}}


def _contact(owner: Any, mark: str) -> Model:
    from rapport.customers.services import contact_create

    return contact_create(actor=owner, data={"last_name": f"Contact {mark}", "phones": [{"value": CONTACT_PHONE}]})


def _lead(owner: Any, mark: str) -> Model:
    from rapport.customers.services import lead_create

    return lead_create(actor=owner, data={"last_name": f"Lead {mark}", "company": f"Co {mark}"})


def _interaction(owner: Any, mark: str) -> Model:
    from rapport.customers.services import interaction_log

    contact = _contact(owner, mark)
    return interaction_log(actor=owner, channel="phone", subject=f"Call {mark}", contact_id=contact.pk)


def _interaction_attachment(owner: Any, mark: str) -> Model:
    """A PDF that came with an email on the owner's contact, kept by the upload rules."""
    from rapport.customers.attachments import interaction_attachments_store

    pdf = b"%PDF-1.4\n" + mark.encode() + b"\n%%EOF\n"
    interaction = _interaction(owner, mark)
    return interaction_attachments_store(actor=owner, interaction=interaction, files=[(f"offer {mark}.pdf", pdf)])[0]  # type: ignore[arg-type]


def _token(owner: Any, mark: str) -> Model:
    from rapport.core.services import token_issue

    token, _ = token_issue(user=owner, name=f"Token {mark}")
    return token


def _opportunity(owner: Any, mark: str) -> Model:
    from rapport.sales.services import opportunity_create, sales_setup

    sales_setup()
    account = _account(owner, mark)
    return opportunity_create(actor=owner, data={"name": f"Deal {mark}", "account_id": account.pk, "expected_close_date": "2026-06-30"})


def _sales_cost(owner: Any, mark: str) -> Model:
    from rapport.sales.deal_services import sales_cost_add

    opportunity = _opportunity(owner, mark)
    return sales_cost_add(
        actor=owner, opportunity=opportunity, kind="travel", amount="10", currency="CNY", incurred_on="2026-01-02", note=mark
    )


def _opportunity_contact(owner: Any, mark: str) -> Model:
    from rapport.sales.deal_services import opportunity_contact_add

    return opportunity_contact_add(actor=owner, opportunity=_opportunity(owner, mark), contact_id=_contact(owner, mark).pk)


def _opportunity_competitor(owner: Any, mark: str) -> Model:
    from rapport.sales.deal_services import competitor_create, opportunity_competitor_add

    # The competitor list is shared by everyone: only the deal's notes carry the marker.
    rival = competitor_create(actor=owner, name=f"Rival {uuid.uuid4().hex[:12]}")
    return opportunity_competitor_add(actor=owner, opportunity=_opportunity(owner, mark), competitor_id=rival.pk, notes=mark)


def _quote(owner: Any, mark: str) -> Model:
    from rapport.sales.quotes import quote_create

    account = _account(owner, mark)
    line = {"description": f"Line {mark}", "unit_price": "100.00", "quantity": "2"}
    return quote_create(actor=owner, data={"account_id": account.pk, "title": f"Quote {mark}", "currency": "CNY", "lines": [line]})


def _quote_line(owner: Any, mark: str) -> Model:
    return _quote(owner, mark).lines.get()  # type: ignore[attr-defined]


def _meeting(owner: Any, mark: str) -> Model:
    from datetime import UTC, datetime

    from rapport.customers.activities import activity_create

    contact = _contact(owner, mark)
    when = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)
    return activity_create(actor=owner, kind="meeting", subject=f"Meeting {mark}", due_at=when, contact_id=contact.pk, location=mark)


def _order(owner: Any, mark: str) -> Model:
    from rapport.sales.orders import order_place

    account = _account(owner, mark)
    line = {"description": f"Line {mark}", "unit_price": "10.00"}
    return order_place(actor=owner, data={"account_id": account.pk, "currency": "CNY", "notes": mark, "lines": [line]})


def _invoice(owner: Any, mark: str) -> Model:
    from rapport.sales.billing import invoice_issue

    return invoice_issue(actor=owner, order=_order(owner, mark))  # type: ignore[arg-type]


def _lead_import(owner: Any, mark: str) -> Model:
    from rapport.dataops.lead_import import lead_import_preview

    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card {mark}\r\nORG:Co {mark}\r\nEND:VCARD\r\n".encode()
    return lead_import_preview(actor=owner, filename=f"{mark}.vcf", content=card, source=mark)


def _order_line(owner: Any, mark: str) -> Model:
    return _order(owner, mark).lines.get()  # type: ignore[attr-defined]


def _shipped_order(owner: Any, mark: str) -> Model:
    from rapport.sales.billing import invoice_issue
    from rapport.sales.orders import order_set_status

    order = order_set_status(actor=owner, order=_order(owner, mark), status="shipped")  # type: ignore[arg-type]
    invoice_issue(actor=owner, order=order)
    return order


def _order_return(owner: Any, mark: str) -> Model:
    from rapport.sales.returns import return_request

    order = _shipped_order(owner, mark)
    return return_request(actor=owner, order=order, line_id=order.lines.get().pk, quantity="1", reason=f"Broken {mark}")  # type: ignore[arg-type]


def _contract(owner: Any, mark: str) -> Model:
    from rapport.sales.contracts import contract_create

    account = _account(owner, mark)
    data = {"title": f"Contract {mark}", "account_id": account.pk, "start_date": "2026-01-01", "end_date": "2026-12-31", "currency": "CNY"}
    return contract_create(actor=owner, data={**data, "renewal_terms": mark})


def _contract_document(owner: Any, mark: str) -> Model:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rapport.sales.contracts import contract_document_add

    upload = SimpleUploadedFile(f"signed {mark}.pdf", b"%PDF-1.4\n" + mark.encode() + b"\n%%EOF\n", content_type="application/pdf")
    return contract_document_add(actor=owner, contract=_contract(owner, mark), upload=upload)  # type: ignore[arg-type]


def _case(owner: Any, mark: str) -> Model:
    from rapport.service.cases import case_open

    return case_open(actor=owner, data={"subject": f"Case {mark}", "account_id": _account(owner, mark).pk, "description": mark})


def _resolved_case(owner: Any, mark: str) -> Model:
    from rapport.service.cases import case_resolve

    return case_resolve(actor=owner, case=_case(owner, mark), resolution=mark)  # type: ignore[arg-type]


# path template (OpenAPI) -> factory; ids in the path are filled with the record's pk.
def _anomaly_flag(owner: Any, mark: str) -> Model:
    """A flag as the nightly job stores it, on an order of an account the owner looks after."""
    from django.utils import timezone

    from rapport.analytics.anomalies import Finding, anomaly_flags_store
    from rapport.analytics.models import AnomalyFlag

    order = _order(owner, mark)
    finding = Finding(
        "amount_outlier",
        f"order:{order.pk}",
        order.pk,
        order.account_id,
        9.5,
        "high",
        {"amount": "200.00", "median": "1.00", "z": 9.5, "baseline": "base", "orders": 5},
    )
    anomaly_flags_store(findings=[finding], today=timezone.localdate())
    return AnomalyFlag.objects.get(subject=f"order:{order.pk}")


def _skipped_mail(receiver: Any, mark: str) -> Model:
    """An auto-reply the shared inbox skipped: no owner or team, so only administrators see it."""
    from rapport.dataops.inbound_mail import inbound_mail_file
    from rapport.dataops.models import InboundMail

    raw = (
        f"From: Out of office <away-{mark.lower()}@example.com>\nSubject: Automatic reply {mark}\nMessage-ID: <{mark}@example.com>\n"
        f"Auto-Submitted: auto-replied\nContent-Type: text/plain; charset=utf-8\n\nAway until Monday {mark}\n"
    ).encode()
    inbound_mail_file(actor=receiver, raw=raw, via="api")
    return InboundMail.objects.get(message_id=f"{mark}@example.com", outcome="skipped")


OWNED: dict[str, Owned] = {
    "/api/v1/accounts/{record_id}": Owned(_account),
    "/api/v1/contacts/{record_id}": Owned(_contact),
    "/api/v1/leads/{record_id}": Owned(_lead),
    "/api/v1/interactions/{interaction_id}": Owned(_interaction),
    "/api/v1/interaction-attachments/{attachment_id}": Owned(_interaction_attachment),
    "/api/v1/contacts/{contact_id}/consent": Owned(_contact),
    "/api/v1/leads/{lead_id}/consent": Owned(_lead),
    "/api/v1/leads/{lead_id}/convert": Owned(_lead),
    "/api/v1/leads/imports/{import_id}": Owned(_lead_import),
    "/api/v1/leads/imports/{import_id}/confirm": Owned(_lead_import),
    "/api/v1/auth/tokens/{token_id}": Owned(_token),
    "/api/v1/opportunities/{opportunity_id}": Owned(_opportunity),
    "/api/v1/opportunities/{opportunity_id}/move": Owned(_opportunity),
    "/api/v1/opportunities/{opportunity_id}/history": Owned(_opportunity),
    "/api/v1/opportunities/{opportunity_id}/costs": Owned(_opportunity),
    "/api/v1/opportunities/{opportunity_id}/contacts": Owned(_opportunity),
    "/api/v1/opportunities/{opportunity_id}/competitors": Owned(_opportunity),
    "/api/v1/sales-costs/{cost_id}": Owned(_sales_cost),
    "/api/v1/opportunity-contacts/{link_id}": Owned(_opportunity_contact),
    "/api/v1/opportunity-competitors/{link_id}": Owned(_opportunity_competitor),
    "/api/v1/quotes/{quote_id}": Owned(_quote),
    "/api/v1/quotes/{quote_id}/lines": Owned(_quote),
    "/api/v1/quotes/{quote_id}/revise": Owned(_quote),
    "/api/v1/quotes/{quote_id}/status": Owned(_quote),
    "/api/v1/quotes/{quote_id}/send": Owned(_quote),
    "/api/v1/quotes/{quote_id}/pdf": Owned(_quote),
    "/api/v1/quote-lines/{line_id}": Owned(_quote_line),
    "/api/v1/orders/{order_id}": Owned(_order),
    "/api/v1/orders/{order_id}/status": Owned(_order),
    "/api/v1/orders/{order_id}/invoices": Owned(_order),
    "/api/v1/invoices/{invoice_id}": Owned(_invoice),
    "/api/v1/invoices/{invoice_id}/payments": Owned(_invoice),
    "/api/v1/accounts/{account_id}/balance": Owned(_account),
    "/api/v1/accounts/{account_id}/credit": Owned(_account),
    "/api/v1/accounts/{account_id}/cross-sell": Owned(_account),
    "/api/v1/cases/{case_id}": Owned(_case),
    "/api/v1/cases/{case_id}/resolve": Owned(_case),
    "/api/v1/cases/{case_id}/close": Owned(_resolved_case),
    "/api/v1/cases/{case_id}/reopen": Owned(_resolved_case),
    "/api/v1/cases/{case_id}/satisfaction": Owned(_resolved_case),
    "/api/v1/orders/{order_id}/returns": Owned(_shipped_order),
    "/api/v1/returns/{return_id}": Owned(_order_return),
    "/api/v1/returns/{return_id}/refund": Owned(_order_return),
    "/api/v1/returns/{return_id}/reject": Owned(_order_return),
    "/api/v1/contracts/{contract_id}": Owned(_contract),
    "/api/v1/contracts/{contract_id}/renew": Owned(_contract),
    "/api/v1/contracts/{contract_id}/terminate": Owned(_contract),
    "/api/v1/contracts/{contract_id}/documents": Owned(_contract),
    "/api/v1/contract-documents/{document_id}": Owned(_contract_document),
    "/api/v1/activities/{activity_id}": Owned(_meeting),
    "/api/v1/activities/{activity_id}/complete": Owned(_meeting),
    "/api/v1/activities/{activity_id}/cancel": Owned(_meeting),
    "/api/v1/activities/{activity_id}/reopen": Owned(_meeting),
    "/api/v1/activities/{activity_id}/ics": Owned(_meeting),
    "/api/v1/analytics/anomalies/{flag_id}": Owned(_anomaly_flag),
    "/api/v1/analytics/anomalies/{flag_id}/review": Owned(_anomaly_flag),
}

# Paths whose records only some roles reach, and who among them checks that the owner's record is
# reachable (the strangers' 404s must come from visibility): fraud review is for the rep's manager.
REACHED_BY: dict[str, str] = {
    "/api/v1/analytics/anomalies/{flag_id}": "manager",
    "/api/v1/analytics/anomalies/{flag_id}/review": "manager",
}

# Paths with an id whose records are not owned customer data: everyone signed in
# may read them and only administrators (for pipelines, also sales managers) change them (checked separately).
DIRECTORY = {
    "/api/v1/users/{user_id}",
    "/api/v1/teams/{team_id}",
    "/api/v1/custom-fields/{field_id}",
    "/api/v1/products/{product_id}",
    "/api/v1/products/{product_id}/price",
    "/api/v1/price-books/{book_id}",
    "/api/v1/price-books/{book_id}/entries",
    "/api/v1/assignment-rules/{rule_id}",
    "/api/v1/pipelines/{pipeline_id}",
    "/api/v1/pipelines/{pipeline_id}/stages",
    "/api/v1/pipelines/{pipeline_id}/stage-order",
    "/api/v1/stages/{stage_id}",
    # Campaigns: everyone signed in reads them; the people behind their responses are listed only to who
    # sees them (marketing/tests/test_campaign_api.py checks the responses and who may write).
    "/api/v1/campaigns/{campaign_id}",
    "/api/v1/campaigns/{campaign_id}/costs",
    "/api/v1/campaigns/{campaign_id}/costs/{cost_id}",
    "/api/v1/campaigns/{campaign_id}/responses",
    "/api/v1/campaigns/{campaign_id}/responses/{response_id}",
}

# Paths only administrators reach, and the record one with an id is about (made with the north rep as the
# receiver): skipped inbound mail belongs to the shared inbox, with no owner or team to scope it by. Every
# other role gets 403 on a collection and 404 on one message, and nothing changes (test_idor_matrix).
ADMIN_ONLY: dict[str, Owned | None] = {
    "/api/v1/mail/skipped": None,
    "/api/v1/mail/skipped/{mail_id}/file": Owned(_skipped_mail),
}

# Collections only administrators write to; their *_id fields point at
# directory rows (a team's parent team), not at customer data.
ADMIN_ONLY_WRITES = {
    "/api/v1/users",
    "/api/v1/teams",
    "/api/v1/custom-fields",
    "/api/v1/exchange-rates",
    "/api/v1/products",
    "/api/v1/price-books",
    "/api/v1/assignment-rules",
    "/api/v1/assignment-rules/reorder",
    "/api/v1/assignment-rules/test",
    "/api/v1/pipelines",
    "/api/v1/campaigns",  # marketers and sales managers too: marketing/tests/test_campaign_api.py
}

# Body fields that point at another record -> the factory of a record the
# stranger may not see (assigning my contact to your account must fail).
FOREIGN_KEYS: dict[str, Callable[[Any, str], Model]] = {
    "account_id": _account,
    "parent_id": _account,
    "contact_id": _contact,
    "lead_id": _lead,
    "primary_contact_id": _contact,
    "partner_id": _account,
    "opportunity_id": _opportunity,
    "line_id": _order_line,
}
# Body fields ending in _id that are not references to customer data.
NOT_CUSTOMER_REFERENCES = {
    "owner_id",
    "team_id",
    "manager_id",
    "user_id",
    "field_id",
    "token_id",
    "pipeline_id",
    "stage_id",
    "competitor_id",
    "product_id",
}

# Dedicated lists where a leaked record would show up; every GET path without
# an id is also checked for the marker.
PATH_ID = re.compile(r"\{[a-z_]+\}")


def snapshot(record: Model) -> dict[str, Any]:
    """The stored row, to prove a refused request changed nothing."""
    fresh = type(record)._default_manager.filter(pk=record.pk).first()
    return (
        {}
        if fresh is None
        else {k: v for k, v in model_to_dict(fresh).items() if not isinstance(v, list)} | {"version": getattr(fresh, "version", None)}
    )
