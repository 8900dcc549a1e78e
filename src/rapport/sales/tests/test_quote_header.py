"""A draft quote's header: one service behind the quote page (HTMX, in place) and PATCH /api/v1/quotes/{id}.

Title, valid until, addressee, opportunity, notes and, while no line is priced, the currency change on a
draft; a stale version is refused (409) and the page says who changed what while keeping what was typed;
sent quotes are not changed; another team's rep gets 404.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.common.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from rapport.core.models import AuditEntry, User
from rapport.sales.catalog_models import Quote

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "quote-header"}


@pytest.fixture
def account(users, make_account):
    return make_account(users["north_rep"], name="上海华通科技")


@pytest.fixture
def contact(users, account):
    from rapport.customers.services import contact_create

    return contact_create(actor=users["north_rep"], data={"first_name": "伟", "last_name": "张", "account_id": account.pk}, via="test")


@pytest.fixture
def draft(users, account):
    from rapport.sales.quotes import quote_create

    return quote_create(actor=users["north_rep"], data={"account_id": account.pk, "title": "Laptops", "currency": "CNY"}, via="test")


@pytest.fixture
def priced(users, draft, catalogue):
    from rapport.sales.quotes import quote_line_add

    quote_line_add(actor=users["north_rep"], quote=draft, data={"product_id": catalogue["laptop"].pk, "quantity": "2"})
    return Quote.objects.get(pk=draft.pk)


def _state(quote: Quote) -> tuple:
    quote.refresh_from_db()
    return (quote.title, quote.valid_until, quote.contact_id, quote.opportunity_id, quote.currency, quote.notes, quote.version)


# --- the service ---------------------------------------------------------------------------------


def test_a_draft_s_header_changes_with_its_version_and_the_audit_log(users, draft, contact, make_deal, account):
    from rapport.sales.quotes import quote_update

    deal = make_deal(users["north_rep"], account=account, name="Floor refresh")
    saved = quote_update(
        actor=users["north_rep"],
        quote=draft,
        data={
            "title": "  Laptops for the floor ",
            "valid_until": "2026-06-30",
            "contact_id": contact.pk,
            "opportunity_id": deal.pk,
            "notes": "含安装",
            "currency": "USD",
        },
        expected_version=draft.version,
    )
    assert (saved.title, saved.valid_until, saved.contact_id, saved.opportunity_id, saved.notes, saved.currency) == (
        "Laptops for the floor",
        dt.date(2026, 6, 30),
        contact.pk,
        deal.pk,
        "含安装",
        "USD",
    )
    assert saved.version == draft.version + 1
    entry = AuditEntry.objects.filter(record_type="sales.quote", record_id=draft.pk, action="update").get()
    assert entry.changes["title"] == ["Laptops", "Laptops for the floor"] and entry.changes["currency"] == ["CNY", "USD"]
    cleared = quote_update(actor=users["north_rep"], quote=saved, data={"contact_id": None, "valid_until": ""}, expected_version=None)
    assert (cleared.contact_id, cleared.valid_until, cleared.title) == (None, None, "Laptops for the floor")


def test_the_currency_stays_while_lines_are_priced_in_it(users, priced):
    from rapport.sales.quotes import quote_update

    before = _state(priced)
    with pytest.raises(ValidationFailed) as refused:
        quote_update(actor=users["north_rep"], quote=priced, data={"currency": "USD", "title": "New"}, expected_version=priced.version)
    assert refused.value.field_errors == {"currency": ["The lines are priced in CNY; remove them before changing the currency."]}
    assert _state(priced) == before
    same = quote_update(actor=users["north_rep"], quote=priced, data={"currency": "cny", "title": "New"}, expected_version=priced.version)
    assert (same.currency, same.title) == ("CNY", "New")


def test_bad_values_are_named_and_nothing_changes(users, draft, make_account):
    from rapport.customers.services import contact_create
    from rapport.sales.quotes import quote_update

    elsewhere = make_account(users["north_rep"], name="Other Co")
    stranger = contact_create(actor=users["north_rep"], data={"first_name": "A", "last_name": "B", "account_id": elsewhere.pk}, via="test")
    before = _state(draft)
    with pytest.raises(ValidationFailed) as refused:
        quote_update(
            actor=users["north_rep"],
            quote=draft,
            data={"title": " ", "valid_until": "30/06/2026", "contact_id": stranger.pk, "currency": "XXX", "account_id": elsewhere.pk},
            expected_version=draft.version,
        )
    assert refused.value.field_errors == {
        "account_id": ["A quote stays with its account; make a new quote for the other account."],
        "title": ["This field is required."],
        "valid_until": ["'30/06/2026' is not a date (YYYY-MM-DD)."],
        "contact_id": ["This person is not a contact of the quote's account."],
        "currency": ["'XXX' is not a supported ISO 4217 currency code."],
    }
    assert _state(draft) == before


def test_a_stale_version_a_sent_quote_and_a_stranger_are_refused(users, priced):
    from rapport.sales.quotes import quote_set_status, quote_update

    before = _state(priced)
    with pytest.raises(StaleVersion) as stale:
        quote_update(actor=users["north_rep"], quote=priced, data={"title": "Mine"}, expected_version=priced.version - 1)
    assert stale.value.current_version == priced.version and _state(priced) == before
    with pytest.raises(NotFound):
        quote_update(actor=users["south_rep"], quote=priced, data={"title": "Theirs"}, expected_version=None)
    sent = quote_set_status(actor=users["north_rep"], quote=priced, status="sent")
    with pytest.raises(Conflict, match=r"This quote is sent; revise it to change it\."):
        quote_update(actor=users["north_rep"], quote=sent, data={"title": "Late"}, expected_version=sent.version)
    assert Quote.objects.get(pk=priced.pk).title == "Laptops"


# --- the API -------------------------------------------------------------------------------------


def test_patch_changes_the_header_and_names_every_refusal(users, api_for, priced, contact):
    api = api_for(users["north_rep"])
    url = f"/api/v1/quotes/{priced.pk}"
    ok = api.patch(url, {"title": "Laptops 2026", "contact_id": contact.pk, "valid_until": "2026-07-01", "version": priced.version})
    assert ok.status_code == 200
    body = ok.json()
    assert (body["title"], body["contact_id"], body["valid_until"], body["version"]) == (
        "Laptops 2026",
        contact.pk,
        "2026-07-01",
        priced.version + 1,
    )
    assert len(body["lines"]) == 1
    version = body["version"]

    for payload, field in (
        ({"title": "", "version": version}, "title"),
        ({"valid_until": "tomorrow", "version": version}, "valid_until"),
        ({"currency": "USD", "version": version}, "currency"),
        ({"account_id": contact.account_id, "version": version}, "account_id"),
        ({"lines": [], "version": version}, "lines"),
        ({"status": "accepted", "version": version}, "status"),
        ({"contact_id": 999999, "version": version}, "contact_id"),
    ):
        refused = api.patch(url, payload)
        assert refused.status_code == 422, payload
        assert refused["Content-Type"] == "application/problem+json" and field in refused.json()["errors"], refused.json()
    stale = api.patch(url, {"title": "Old view", "version": version - 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == version
    assert api.patch(url, {"title": "Old view"}, headers={"If-Match": f'"{version - 1}"'}).status_code == 412
    assert api_for(users["south_rep"]).patch(url, {"title": "Not mine", "version": version}).status_code == 404
    assert api.patch("/api/v1/quotes/987654321", {"title": "Nobody", "version": 1}).status_code == 404
    assert _state(priced)[0] == "Laptops 2026" and Quote.objects.get(pk=priced.pk).version == version

    api.post(f"/api/v1/quotes/{priced.pk}/status", {"status": "sent", "version": version})
    sent = api.patch(url, {"title": "After sending"})
    assert sent.status_code == 409 and sent.json()["detail"] == "This quote is sent; revise it to change it."
    assert Quote.objects.get(pk=priced.pk).title == "Laptops 2026"


# --- the page (HTMX) -----------------------------------------------------------------------------


def test_the_header_is_edited_in_place(users, client_for, draft, contact, make_deal, account, django_assert_max_num_queries):
    make_deal(users["north_rep"], account=account, name="Floor refresh")
    client = client_for(users["north_rep"])
    page = client.get(f"/sales/quotes/{draft.pk}/")
    assert b"data-edit-header" in page.content and f"/sales/quotes/{draft.pk}/header/edit/".encode() in page.content
    with django_assert_max_num_queries(14):
        opened = client.get(f"/sales/quotes/{draft.pk}/header/edit/", **HTMX)
    form = opened.context["header_form"]
    assert opened.status_code == 200 and b"data-header-form" in opened.content and b"<html" not in opened.content
    assert [label for _, label in form.fields["contact_id"].widget.choices] == ["—", "伟 张"] or "张" in opened.content.decode()
    assert [label for _, label in form.fields["opportunity_id"].widget.choices] == ["—", "Floor refresh"]
    assert form["version"].value() == draft.version

    saved = client.post(
        f"/sales/quotes/{draft.pk}/header/edit/",
        {
            "title": "Laptops for the floor",
            "valid_until": "2026-06-30",
            "contact_id": contact.pk,
            "opportunity_id": "",
            "currency": "EUR",
            "notes": "Delivery in May.",
            "version": draft.version,
            "opened_at": form["opened_at"].value(),
        },
        **HTMX,
    )
    text = saved.content.decode()
    assert saved.status_code == 200 and "data-header-saved" in text
    assert 'id="quote-title" hx-swap-oob="true"' in text and "<h1>Laptops for the floor" in text
    assert 'id="quote-actions" data-quote-actions hx-swap-oob="true"' in text and "0.00 EUR" in text
    draft.refresh_from_db()
    assert (draft.title, draft.valid_until, draft.contact_id, draft.currency, draft.notes) == (
        "Laptops for the floor",
        dt.date(2026, 6, 30),
        contact.pk,
        "EUR",
        "Delivery in May.",
    )
    cancelled = client.get(f"/sales/quotes/{draft.pk}/header/", **HTMX)
    assert b"data-edit-header" in cancelled.content and b"data-header-form" not in cancelled.content


def test_errors_show_at_the_fields_and_nothing_changes(users, client_for, priced):
    client = client_for(users["north_rep"])
    before = _state(priced)
    opened = client.get(f"/sales/quotes/{priced.pk}/header/edit/", **HTMX)
    assert b"data-currency-fixed" in opened.content and b'name="currency"' not in opened.content  # lines are priced in CNY
    data = {"title": "", "valid_until": "2026-13-01", "currency": "USD", "version": priced.version}
    bad = client.post(f"/sales/quotes/{priced.pk}/header/edit/", data, **HTMX)
    assert bad.status_code == 200 and set(bad.context["header_form"].errors) == {"title"}
    bad_date = client.post(f"/sales/quotes/{priced.pk}/header/edit/", {**data, "title": "Laptops"}, **HTMX)
    assert bad_date.context["header_form"].errors == {"valid_until": ["“2026-13-01” is not a date (YYYY-MM-DD)."]}
    assert 'value="2026-13-01"' in bad_date.content.decode()  # what was typed stays
    plain = client.post(f"/sales/quotes/{priced.pk}/header/edit/", {**data, "title": "Laptops"})
    assert plain.status_code == 422 and plain.context["header_form"].errors["valid_until"]
    assert _state(priced) == before  # the currency was not even sent: the lines are priced


def test_a_stale_save_says_who_changed_what_and_keeps_what_was_typed(users, client_for, priced, catalogue):
    from rapport.sales.quotes import quote_line_add, quote_update

    client = client_for(users["north_rep"])
    form = client.get(f"/sales/quotes/{priced.pk}/header/edit/", **HTMX).context["header_form"]
    colleague = users["manager"]
    quote_update(actor=colleague, quote=priced, data={"title": "Laptops (manager)", "valid_until": "2026-05-31"}, expected_version=None)
    quote_line_add(actor=colleague, quote=priced, data={"product_id": catalogue["cable"].pk, "quantity": "1"})
    typed = {"title": "My title", "valid_until": "2026-08-01", "notes": "My notes", "contact_id": "", "opportunity_id": ""}
    post = {**typed, "version": form["version"].value(), "opened_at": form["opened_at"].value()}
    stale = client.post(f"/sales/quotes/{priced.pk}/header/edit/", post, **HTMX)
    text = stale.content.decode()
    assert stale.status_code == 200 and "data-header-conflict" in text
    assert "Someone else changed this quote while you were editing it." in text
    changes = [(c["label"], c["now"], c["by"]) for c in stale.context["header_changes"]]
    assert [label for label, _, _ in changes] == ["Title", "Valid until", "Total (the lines)"]
    assert changes[0][1:] == ("Laptops (manager)", "manager") and changes[2][1].endswith(" CNY")
    kept = stale.context["header_form"]
    assert (kept["title"].value(), kept["notes"].value(), kept["valid_until"].value()) == ("My title", "My notes", "2026-08-01")
    now = Quote.objects.get(pk=priced.pk)
    assert kept["version"].value() == str(now.version) and now.title == "Laptops (manager)"
    # Saving again on purpose, with the version the conflict carried, wins.
    again = client.post(f"/sales/quotes/{priced.pk}/header/edit/", {**typed, "version": now.version}, **HTMX)
    assert b"data-header-saved" in again.content and Quote.objects.get(pk=priced.pk).title == "My title"
    plain = client.post(f"/sales/quotes/{priced.pk}/header/edit/", {**typed, "version": now.version})
    assert plain.status_code == 409


def test_a_sent_quote_is_not_edited_and_the_typed_text_is_shown(users, client_for, priced):
    from rapport.sales.quotes import quote_set_status

    client = client_for(users["north_rep"])
    form = client.get(f"/sales/quotes/{priced.pk}/header/edit/", **HTMX).context["header_form"]
    quote_set_status(actor=users["manager"], quote=priced, status="sent")
    post = {"title": "Too late", "notes": "Keep me", "version": form["version"].value(), "opened_at": form["opened_at"].value()}
    refused = client.post(f"/sales/quotes/{priced.pk}/header/edit/", post, **HTMX)
    text = refused.content.decode()
    assert "This quote is sent, so it can no longer be changed. Make a new version to change it." in text
    assert "data-unsaved" in text and "Too late" in text and "Keep me" in text and "data-header-form" not in text
    assert Quote.objects.get(pk=priced.pk).title == "Laptops"
    page = client.get(f"/sales/quotes/{priced.pk}/")
    assert b"data-edit-header" not in page.content and b"data-header-fixed" in page.content
    reopened = client.get(f"/sales/quotes/{priced.pk}/header/edit/", **HTMX)
    assert b"data-header-refusal" in reopened.content and b"data-header-form" not in reopened.content
    assert client_for(users["south_rep"]).get(f"/sales/quotes/{priced.pk}/header/edit/", **HTMX).status_code == 404
    assert client_for(users["south_rep"]).post(f"/sales/quotes/{priced.pk}/header/edit/", post).status_code == 404


def test_the_header_form_speaks_chinese(users, client_for, priced):
    from rapport.sales.quotes import quote_update

    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    client = client_for(User.objects.get(pk=users["north_rep"].pk))
    opened = client.get(f"/sales/quotes/{priced.pk}/header/edit/", **HTMX)
    text = opened.content.decode()
    assert "修改报价单信息" in text and "有效期至" in text and "明细行按此货币定价；如需更改货币，请先删除明细行。" in text
    form = opened.context["header_form"]
    quote_update(actor=users["manager"], quote=priced, data={"title": "经理改的"}, expected_version=None)
    post = {"title": "我的标题", "version": form["version"].value(), "opened_at": form["opened_at"].value()}
    stale = client.post(f"/sales/quotes/{priced.pk}/header/edit/", post, **HTMX).content.decode()
    assert "其他人在您编辑时修改了此报价单。" in stale and "标题现在是“经理改的”（由 manager 修改）。" in stale
