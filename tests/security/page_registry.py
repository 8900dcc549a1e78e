"""What the pages' access-control matrix (``test_pages_matrix.py``) needs to know.

The matrix walks the URL conf. A page with an id kwarg must be registered in
``PAGES`` with a factory of a record one user owns (or in ``PAGE_NOT_OWNED``
with a reason), so a page added later cannot escape the matrix. Pages
registered before their app mounts them are checked once it does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model

from tests.security.registry import (
    Owned,
    _account,
    _anomaly_flag,
    _case,
    _contact,
    _contract,
    _contract_document,
    _interaction_attachment,
    _invoice,
    _lead,
    _lead_import,
    _opportunity,
    _order,
    _order_return,
    _quote,
    _quote_line,
    _resolved_case,
    _skipped_mail,
)


def _activity(owner: Any, mark: str) -> Model:
    from rapport.customers.activities import activity_create

    return activity_create(
        actor=owner, kind="task", subject=f"Call back {mark}", due_at="2026-06-30T09:00:00+00:00", reminder_at="2026-06-30T08:00:00+00:00"
    )


# URL name -> factory of the record whose id fills the page's id kwarg. A page
# with an id kwarg missing here (and from PAGE_NOT_OWNED) fails the matrix.
_PAGE_FACTORIES: dict[str, Callable[[Any, str], Model]] = {
    **{
        f"web:{kind}_{page}": factory
        for kind, factory in (("account", _account), ("contact", _contact), ("lead", _lead))
        for page in ("detail", "edit", "delete", "log")
    },
    **{
        f"sales:{page}": _opportunity
        for page in ("opportunity_detail", "opportunity_edit", "opportunity_move", "cost_add", "contact_add", "competitor_add")
    },
    **{
        f"web:{page}": _activity
        for page in (
            "activity_edit",
            "activity_delete",
            "activity_complete",
            "activity_cancel",
            "activity_reopen",
            "activity_ics",
            "reminder_dismiss",
            "reminder_snooze",
        )
    },
    **{
        f"sales:{page}": _quote
        for page in (
            "quote_detail",
            "quote_header",
            "quote_header_edit",
            "quote_line_add",
            "quote_line_price",
            "quote_answer",
            "quote_revise",
            "quote_send",
            "quote_pdf",
            "quote_order",
        )
    },
    **{f"sales:{page}": _quote_line for page in ("quote_line_edit", "quote_line_remove")},
    **{f"sales:{page}": _order for page in ("order_detail", "order_status", "invoice_create")},
    **{f"sales:{page}": _invoice for page in ("invoice_detail", "payment_create")},
    "sales:account_sales": _account,
    **{
        f"sales:{page}": _contract
        for page in ("contract_detail", "contract_edit", "contract_renew", "contract_terminate", "contract_document_upload")
    },
    "sales:account_contracts": _account,
    **{f"sales:{page}": _contract_document for page in ("contract_document_download", "contract_document_delete")},
    **{f"sales:{page}": _order for page in ("order_returns", "return_create")},
    **{f"sales:{page}": _order_return for page in ("return_refund", "return_reject")},
    "web:record_activities": _contact,
    "web:interaction_attachment": _interaction_attachment,
    "sales:lead_convert": _lead,
    **{f"web:{page}": _lead_import for page in ("lead_import_detail", "lead_import_progress", "lead_import_confirm")},
    "analytics:account_profile": _account,
    "analytics:account_cross_sell": _account,
    "analytics:account_credit": _account,
    "analytics:anomaly_detail": _anomaly_flag,
    **{f"service:{page}": _case for page in ("case_detail", "case_edit", "case_resolve", "case_status")},
    "service:account_cases": _account,
    "service:survey_record": _resolved_case,
    "marketing:person_campaigns": _contact,
}
PAGES: dict[str, Owned] = {name: Owned(factory) for name, factory in _PAGE_FACTORIES.items()}

# Pages whose records only some roles reach, and who checks that the owner's record is reachable
# (fraud review is for the rep's manager; the rep and strangers get 404).
PAGE_REACHED_BY: dict[str, str] = {"analytics:anomaly_detail": "manager"}

# Pages whose kwargs besides the id need a value (the kind of record the id is of).
PAGE_OTHER_KWARGS: dict[str, dict[str, str]] = {
    "web:record_activities": {"kind": "contact"},
    "marketing:person_campaigns": {"kind": "contact"},
}

# Pages with more than one id: their kwargs from the factory's record (a contract
# document's pages take the contract as ``pk`` and the document as ``document_id``).
PAGE_KWARGS_OF: dict[str, Callable[[Any], dict[str, int]]] = {
    name: lambda document: {"pk": document.contract_id, "document_id": document.pk}
    for name in ("sales:contract_document_download", "sales:contract_document_delete")
}

# Pages with an id that is not owned customer data, and why.
PAGE_NOT_OWNED = {
    "sales:pipeline_board": "pipelines are shared configuration; the cards on the board are filtered by the opportunity selectors",
    **{
        f"sales:{page}": "the catalogue is shared configuration every user reads; only administrators change it (the services refuse others)"
        for page in ("product_detail", "price_book_detail", "price_set")
    },
    **{
        f"sales:{page}": "assignment rules are shared configuration that only administrators change; others get 404"
        for page in ("assignment_rule_edit", "assignment_rule_move", "assignment_rule_delete")
    },
    **{
        f"sales:{page}": "pipelines and stages are shared configuration that administrators and sales managers change; others get 404"
        for page in ("pipeline_settings", "stage_create", "stage_edit", "stage_move", "stage_archive", "stage_delete")
    },
    **{
        f"marketing:{page}": "campaigns are read by everyone signed in; marketers and sales managers change them (the services refuse "
        "others); a response names only people the reader sees (marketing/tests/test_campaign_pages.py)"
        for page in ("campaign_detail", "campaign_edit", "cost_add", "cost_remove", "response_add", "response_remove")
    },
}

# Pages only administrators reach, and the record a page with an id is about: skipped inbound mail
# belongs to the shared inbox, with no owner or team to scope it by. Every other role gets 403 on a
# list and 404 on one message (GET and CSRF-valid POST), and nothing is written.
PAGE_ADMIN_ONLY: dict[str, Owned | None] = {
    "web:skipped_mail_list": None,
    "web:skipped_mail_detail": Owned(_skipped_mail),
}

# Pages whose kwargs are not ids: example values to reach them with.
PAGE_EXAMPLE_KWARGS: dict[str, list[dict[str, str]]] = {
    "web:coming_soon": [{"domain": "loyalty"}],
    "web:pick": [{"kind": "account"}, {"kind": "contact"}, {"kind": "lead"}],
    "analytics:segment_accounts": [{"segment": "champions"}],
    "analytics:olap_export": [{"fmt": "csv"}, {"fmt": "xlsx"}],
}

# Pages reached by a secret in the URL instead of a sign-in (calendar apps
# cannot sign in; a password reset link is for someone who cannot): a guessed secret must be a 404.
PAGE_SECRET_URLS: dict[str, str | tuple[str, ...]] = {
    "web:calendar_feed": "secret",
    "web:password_reset_confirm": ("uidb64", "token"),
    "service:survey_answer": "token",
}

# Pages that are not behind the sign-in, or not reached by GET, and why.
PAGE_EXCEPTIONS = {
    "web:login": "the sign-in page itself",
    "web:logout": "POST only (GET is 405); signing out needs no sign-in",
    "web:set_language": "POST only (GET is 405); the language can be chosen before signing in",
    "web:password_reset": "asking for a reset link is for people who cannot sign in (throttled, same answer for every address)",
}
# URL prefixes outside the page matrix: the API has its own matrix, the admin
# site its own test (administrators only), i18n and static files hold no data.
PAGE_PREFIXES_OUTSIDE = ("api/", "admin/", "i18n/", "static/")
