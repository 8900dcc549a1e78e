"""Mass assignment: fields the server owns can't be set through any door.

Every POST/PATCH body of the OpenAPI document gets a valid request plus
server-owned fields (ids, timestamps, creator, staff flags, roles, search
terms); they are refused (422) or ignored, never applied. No user but an
administrator can grant a role or staff, through the API, the pages or the
admin site.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from rapport.core.models import Role, User
from tests.security import registry
from tests.security.test_idor_matrix import _body, _spec

pytestmark = pytest.mark.django_db

FORGED_ID = 987654321
FORGED_TIME = "2001-01-01T00:00:00Z"


def _forged(admin: User) -> dict[str, Any]:
    return {
        "id": FORGED_ID,
        "pk": FORGED_ID,
        "created_at": FORGED_TIME,
        "updated_at": FORGED_TIME,
        "created_by": admin.pk,
        "created_by_id": admin.pk,
        "is_staff": True,
        "is_superuser": True,
        "role": Role.ADMINISTRATOR,
        "search_terms": ["hijacked"],
        "search_key": "hijacked",
    }


# Documented body fields that look server-owned but are the caller's to send, and why.
LEGITIMATE = {
    "version": "the version the client last read (optimistic concurrency); refused on create",
    "role": "only in /users (administrators only) and a contact's role in a deal",
}
ROLE_FIELD_PATHS = {"/api/v1/users", "/api/v1/users/{user_id}", "/api/v1/opportunities/{opportunity_id}/contacts"}
SERVER_OWNED = {
    "id",
    "pk",
    "created_at",
    "updated_at",
    "created_by",
    "created_by_id",
    "is_staff",
    "is_superuser",
    "search_terms",
    "search_key",
}


def _stage_after(record: Any) -> dict[str, Any]:
    stages = list(record.pipeline.stages.order_by("position"))
    return {"stage_id": stages[1].pk, "version": record.version}


def _reopenable(actor: User, activity: Any) -> dict[str, Any]:
    from rapport.customers.activities import activity_complete

    done = activity_complete(actor=actor, activity=activity, expected_version=activity.version)
    return {"version": done.version}


def _competitor(actor: User) -> dict[str, Any]:
    from rapport.sales.deal_services import competitor_create

    return {"competitor_id": competitor_create(actor=actor, name=registry.marker()).pk}


# A valid body per operation (beyond the required fields), so the forged fields ride on a request that succeeds.
GOOD: dict[tuple[str, str], Callable[[User, Any], dict[str, Any]]] = {
    ("post", "/api/v1/accounts"): lambda a, r: {"name": "Forged Co"},
    ("patch", "/api/v1/accounts/{record_id}"): lambda a, r: {"name": "Forged Co 2"},
    ("post", "/api/v1/contacts"): lambda a, r: {"last_name": "Forged"},
    ("patch", "/api/v1/contacts/{record_id}"): lambda a, r: {"last_name": "Forged 2"},
    ("post", "/api/v1/leads"): lambda a, r: {"last_name": "Forged", "company": "Co"},
    ("patch", "/api/v1/leads/{record_id}"): lambda a, r: {"last_name": "Forged 2"},
    ("post", "/api/v1/competitors"): lambda a, r: {"name": registry.marker()},
    ("post", "/api/v1/interactions"): lambda a, r: {"channel": "phone", "subject": "Forged", "contact_id": registry._contact(a, "x").pk},
    ("patch", "/api/v1/interactions/{interaction_id}"): lambda a, r: {"subject": "Forged 2"},
    ("post", "/api/v1/opportunities"): lambda a, r: {
        "name": "Forged deal",
        "account_id": registry._account(a, "x").pk,
        "expected_close_date": "2026-06-30",
    },
    ("patch", "/api/v1/opportunities/{opportunity_id}"): lambda a, r: {"name": "Forged deal 2"},
    ("post", "/api/v1/opportunities/{opportunity_id}/move"): lambda a, r: _stage_after(r),
    ("post", "/api/v1/opportunities/{opportunity_id}/costs"): lambda a, r: {
        "kind": "travel",
        "amount": "10",
        "currency": "CNY",
        "incurred_on": "2026-01-02",
    },
    ("post", "/api/v1/opportunities/{opportunity_id}/contacts"): lambda a, r: {"contact_id": registry._contact(a, "x").pk},
    ("post", "/api/v1/opportunities/{opportunity_id}/competitors"): lambda a, r: _competitor(a),
    ("post", "/api/v1/activities"): lambda a, r: {"kind": "task", "subject": "Forged", "due_at": "2026-06-30T09:00:00+00:00"},
    ("patch", "/api/v1/activities/{activity_id}"): lambda a, r: {"subject": "Forged 2"},
    ("post", "/api/v1/activities/{activity_id}/complete"): lambda a, r: {"version": r.version},
    ("post", "/api/v1/activities/{activity_id}/cancel"): lambda a, r: {"version": r.version},
    ("post", "/api/v1/activities/{activity_id}/reopen"): _reopenable,
    ("post", "/api/v1/contacts/{contact_id}/consent"): lambda a, r: {"channel": "email", "granted": True, "method": "form"},
    ("post", "/api/v1/leads/{lead_id}/consent"): lambda a, r: {"channel": "email", "granted": True, "method": "form"},
    ("post", "/api/v1/leads/{lead_id}/convert"): lambda a, r: {"create_opportunity": False},
    ("post", "/api/v1/quotes"): lambda a, r: {"account_id": registry._account(a, "x").pk, "title": "Forged quote", "currency": "CNY"},
    ("patch", "/api/v1/quotes/{quote_id}"): lambda a, r: {"title": "Forged quote 2"},
    ("post", "/api/v1/quotes/{quote_id}/lines"): lambda a, r: {"description": "Forged line", "unit_price": "10.00"},
    ("put", "/api/v1/quote-lines/{line_id}"): lambda a, r: {"description": "Forged line 2", "unit_price": "10.00"},
    ("post", "/api/v1/quotes/{quote_id}/status"): lambda a, r: {"status": "sent", "version": r.version},
    ("post", "/api/v1/quotes/{quote_id}/send"): lambda a, r: {"to": ["buyer@example.com"]},
    ("post", "/api/v1/orders"): lambda a, r: {
        "account_id": registry._account(a, "x").pk,
        "currency": "CNY",
        "lines": [{"description": "Forged line", "unit_price": "10.00"}],
    },
    ("post", "/api/v1/orders/{order_id}/status"): lambda a, r: {"status": "shipped", "version": r.version},
    ("post", "/api/v1/orders/{order_id}/invoices"): lambda a, r: {"due_in_days": 10},
    ("post", "/api/v1/invoices/{invoice_id}/payments"): lambda a, r: {"amount": "1.00", "paid_on": "2026-01-02", "method": "card"},
    ("post", "/api/v1/orders/{order_id}/returns"): lambda a, r: {"line_id": r.lines.get().pk, "quantity": "1", "reason": "Forged"},
    ("post", "/api/v1/returns/{return_id}/refund"): lambda a, r: {"method": "card"},
    ("post", "/api/v1/returns/{return_id}/reject"): lambda a, r: {},
    ("post", "/api/v1/contracts"): lambda a, r: {
        "title": "Forged contract",
        "account_id": registry._account(a, "x").pk,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "currency": "CNY",
        "status": "active",
    },
    ("patch", "/api/v1/contracts/{contract_id}"): lambda a, r: {"title": "Forged contract 2"},
    ("post", "/api/v1/cases"): lambda a, r: {"subject": "Forged case", "account_id": registry._account(a, "x").pk},
    ("patch", "/api/v1/cases/{case_id}"): lambda a, r: {"subject": "Forged case 2"},
    ("post", "/api/v1/cases/{case_id}/resolve"): lambda a, r: {"resolution": "Answered", "version": r.version},
    ("post", "/api/v1/cases/{case_id}/close"): lambda a, r: {"version": r.version},
    ("post", "/api/v1/cases/{case_id}/reopen"): lambda a, r: {"version": r.version},
    ("post", "/api/v1/cases/{case_id}/satisfaction"): lambda a, r: {"score": 4, "comment": "Quick answer"},
    ("post", "/api/v1/contracts/{contract_id}/renew"): lambda a, r: {"version": r.version},
    ("post", "/api/v1/contracts/{contract_id}/terminate"): lambda a, r: {"ended_on": "2026-06-30", "version": r.version},
}
# Writes a rep is refused outright (administrators or managers only): the forged fields must not change that.
REFUSED_FOR_REPS = (
    registry.ADMIN_ONLY_WRITES
    | set(registry.ADMIN_ONLY)
    # Fraud review is for managers and administrators: a rep sees no flag, so reviewing one is a 404.
    | {"/api/v1/users/{user_id}", "/api/v1/teams/{team_id}", "/api/v1/quotas", "/api/v1/analytics/anomalies/{flag_id}/review"}
)


def _writes(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in {"post", "patch", "put"} and "application/json" in op.get("requestBody", {}).get("content", {})
    ]


def _properties(op: dict[str, Any], spec: dict[str, Any]) -> set[str]:
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


def _tables() -> list[Any]:
    existing = set(connection.introspection.table_names())
    return [m for m in apps.get_models() if m.__module__.startswith("rapport.") and m._meta.db_table in existing]


def _traces_of_forgery(admin: User) -> list[str]:
    """Anything in the database that only a forged field could have put there."""
    found = []
    for model in _tables():
        fields = {f.name for f in model._meta.concrete_fields}
        manager = model._default_manager
        if manager.filter(pk=FORGED_ID).exists():
            found.append(f"{model._meta.label} row {FORGED_ID}")
        for name in ("created_at", "updated_at"):
            if name in fields and manager.filter(**{f"{name}__year": 2001}).exists():
                found.append(f"{model._meta.label}.{name} = 2001")
        if "created_by" in fields and manager.filter(created_by=admin).exists():
            found.append(f"{model._meta.label}.created_by = admin")
        if "term" in fields and manager.filter(term="hijacked").exists():
            found.append(f"{model._meta.label}: forged search term")
    return found


def test_no_body_schema_documents_a_server_owned_field():
    spec = _spec()
    for path, method, op in _writes(spec):
        documented = _properties(op, spec)
        assert not documented & SERVER_OWNED, f"{method.upper()} {path} accepts server-owned {sorted(documented & SERVER_OWNED)}"
        if "role" in documented:
            assert path in ROLE_FIELD_PATHS, f"{method.upper()} {path} accepts a role: {LEGITIMATE['role']}"


def test_server_owned_fields_are_refused_or_ignored_on_every_write(users, teams, api_for):
    from rapport.sales.services import sales_setup

    sales_setup()  # an earlier transactional test may have flushed the pipelines the migration made
    spec = _spec()
    rep, admin = users["north_rep"], users["admin"]
    api = api_for(rep)
    refused = ignored = refused_for_rep = 0
    for path, method, op in _writes(spec):
        if path in ("/api/v1/auth/token", "/api/v1/auth/password", "/api/v1/auth/logout-everywhere"):
            # Credentials, not records (and the last two would end the token this loop uses):
            # src/rapport/core/tests/test_credentials_api.py refuses forged fields on them.
            continue
        documented = _properties(op, spec)
        forged = {k: v for k, v in _forged(admin).items() if k not in documented}
        record = None
        if registry.PATH_ID.search(path) and path not in registry.OWNED and path not in REFUSED_FOR_REPS:
            continue  # the access-control matrix fails until the path is registered; then it is checked here too
        if path in registry.OWNED:
            record = registry.OWNED[path].make(rep, registry.marker())
        elif (made := registry.ADMIN_ONLY.get(path)) is not None:
            record = made.make(rep, registry.marker())
        elif registry.PATH_ID.search(path):
            record = {"/api/v1/users/{user_id}": rep, "/api/v1/teams/{team_id}": teams["north"]}[path]
        url = registry.PATH_ID.sub(str(record.pk), path) if record is not None else path
        if path in REFUSED_FOR_REPS or (method, path) not in GOOD:
            assert path in REFUSED_FOR_REPS, f"{method.upper()} {path}: add a valid body to GOOD (or list it as refused for reps)"
            response = getattr(api, method)(url, {**(_body(op, spec) or {}), **forged})
            assert response.status_code in (403, 404, 422), f"{method.upper()} {url} as a rep: {response.status_code}"
            refused_for_rep += 1
            continue
        good = {**(_body(op, spec) or {}), **GOOD[(method, path)](rep, record)}
        response = getattr(api, method)(url, {**good, **forged})
        if response.status_code == 422:
            # Refused: every forged field is named, and the same request without them succeeds.
            assert set(forged) <= set(response.json()["errors"]), f"{method.upper()} {url}: {response.json()}"
            if "version" in good and record is not None:
                record.refresh_from_db()
                good["version"] = record.version
            response = getattr(api, method)(url, good)
            refused += 1
        else:
            ignored += 1
        assert response.status_code in (200, 201), f"{method.upper()} {url}: {response.status_code} {response.content[:300]!r}"
        answer = response.json()
        if isinstance(answer, dict):
            assert answer.get("id") != FORGED_ID
            assert not str(answer.get("created_at", "")).startswith("2001")
    assert _traces_of_forgery(admin) == []
    rep.refresh_from_db()
    assert (rep.role, rep.is_staff, rep.is_superuser) == (Role.SALES_REP, False, False)
    assert refused + ignored >= 14 and refused_for_rep >= 4


def test_a_new_record_has_no_version_to_send(users, api_for):
    from rapport.customers.models import Contact

    response = api_for(users["north_rep"]).post("contacts", {"last_name": "Versioned", "version": 42})
    assert response.status_code == 422
    assert "version" in response.json()["errors"]
    assert not Contact.objects.filter(last_name="Versioned").exists()


@pytest.mark.parametrize("who", ["north_rep", "manager", "agent", "marketer", "analyst"])
def test_nobody_but_an_administrator_grants_a_role_or_staff(who, users, api_for):
    me = users[who]
    api = api_for(me)
    before = (me.role, me.is_staff, me.is_superuser, User.objects.count())
    assert api.patch(f"users/{me.pk}", {"role": Role.ADMINISTRATOR}).status_code == 403
    # 422: the user schema forbids unknown fields, before the permission check is reached.
    assert api.patch(f"users/{me.pk}", {"is_staff": True, "is_superuser": True, "first_name": "Me"}).status_code in (403, 422)
    created = api.post("users", {"username": f"{who}_sock", "password": "another-long-secret-1", "role": Role.ADMINISTRATOR})
    assert created.status_code in (403, 404, 422)
    assert api.get("users/me").json()["role"] == me.role
    me.refresh_from_db()
    assert (me.role, me.is_staff, me.is_superuser, User.objects.count()) == before


def test_the_admin_site_is_for_administrators_only(users):
    rep, admin = users["north_rep"], users["admin"]
    client = Client()
    client.force_login(rep)
    for url in ("/admin/", "/admin/core/user/", f"/admin/core/user/{rep.pk}/change/"):
        response = client.get(url)
        assert response.status_code in (302, 403), f"{url} as a rep: {response.status_code}"
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")
    forged = client.post(f"/admin/core/user/{rep.pk}/change/", {"username": rep.username, "role": Role.ADMINISTRATOR, "is_staff": "on"})
    assert forged.status_code in (302, 403) and forged.get("Location", "/admin/login/").startswith("/admin/login/")
    rep.refresh_from_db()
    assert (rep.role, rep.is_staff, rep.is_superuser) == (Role.SALES_REP, False, False)
    boss = Client()
    boss.force_login(admin)
    assert boss.get("/admin/").status_code == 200


def test_page_forms_ignore_server_owned_fields(users):
    from rapport.customers.models import Contact

    rep, admin = users["north_rep"], users["admin"]
    client = Client()
    client.force_login(rep)
    forged = {k: str(v) for k, v in _forged(admin).items() if not isinstance(v, list)}
    response = client.post("/contacts/new/", {**forged, "last_name": "Paged", "version": "99"})
    assert response.status_code == 302
    contact = Contact.objects.get(last_name="Paged")
    assert (contact.version, contact.created_at.year != 2001, contact.owner_id, contact.pk != FORGED_ID) == (1, True, rep.pk, True)
    edited = client.post(f"/contacts/{contact.pk}/edit/", {**forged, "last_name": "Paged 2", "version": str(contact.version)})
    assert edited.status_code == 302
    contact.refresh_from_db()
    assert (contact.last_name, contact.version, contact.created_at.year != 2001) == ("Paged 2", 2, True)
    assert _traces_of_forgery(admin) == []
    rep.refresh_from_db()
    assert (rep.role, rep.is_staff, rep.is_superuser) == (Role.SALES_REP, False, False)
