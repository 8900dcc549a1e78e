"""Every page renders for a signed-in user; the lists filter, sort and page."""

from __future__ import annotations

import pytest

from rapport.core.models import User
from rapport.customers import services
from rapport.customers.models import Interaction

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_are_sent_to_login(client):
    response = client.get("/contacts/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/contacts/"
    assert client.get("/login/").status_code == 200


def test_login_with_the_form_lands_on_my_day(client, users):
    response = client.post("/login/", {"username": "north_rep", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "My day" in client.get("/").content.decode()


def test_every_page_renders(client_for, users, zhang):
    lead = services.lead_create(actor=users["north_rep"], data={"last_name": "Lin", "company": "Fresh Farms"})
    services.interaction_log(actor=users["north_rep"], channel="phone", subject="Called about renewal", contact_id=zhang.pk)
    client = client_for(users["north_rep"])
    account_id = zhang.account_id
    pages = [
        "/",
        "/accounts/",
        "/contacts/",
        "/leads/",
        "/timeline/",
        "/accounts/new/",
        "/contacts/new/",
        "/leads/new/",
        f"/accounts/{account_id}/",
        f"/accounts/{account_id}/edit/",
        f"/accounts/{account_id}/delete/",
        f"/contacts/{zhang.pk}/",
        f"/contacts/{zhang.pk}/edit/",
        f"/contacts/{zhang.pk}/delete/",
        f"/leads/{lead.pk}/",
        f"/leads/{lead.pk}/edit/",
        "/search/?q=zhang",
        "/soon/loyalty/",
        "/marketing/campaigns/",
        "/soon/data/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<html" in response.content, url
    assert client.get("/soon/accounts/").status_code == 404


def test_the_360_page_shows_details_timeline_contacts_and_audit(client_for, users, zhang):
    services.interaction_log(actor=users["north_rep"], channel="email", subject="Sent the brochure", contact_id=zhang.pk)
    client = client_for(users["north_rep"])
    account_page = client.get(f"/accounts/{zhang.account_id}/").content.decode()
    assert "上海华通科技" in account_page
    assert "张伟" in account_page  # the contacts tab
    assert "Sent the brochure" in account_page  # the contact's interaction on the account's timeline
    contact_page = client.get(f"/contacts/{zhang.pk}/").content.decode()
    assert "+86 138 0013 8000" in contact_page
    assert "data-audit" in contact_page and "采购经理" in contact_page


def test_navigation_has_every_domain_and_admin_only_for_administrators(client_for, users):
    rep_page = client_for(users["north_rep"]).get("/").content.decode()
    for label in (
        "My day",
        "Accounts",
        "Contacts",
        "Leads",
        "Timeline",
        "Sales",
        "Marketing",
        "Service",
        "Analytics",
        "Loyalty",
        "Automation",
        "Data",
    ):
        assert f"<span>{label}</span>" in rep_page, label
    assert 'href="/admin/"' not in rep_page
    assert 'href="/admin/"' in client_for(users["admin"]).get("/").content.decode()


def test_the_sidebar_marks_the_page_in_the_users_language_and_role(client_for, users):
    # The sidebar is drawn once per language, role and section and kept: each must still get its own.
    rep = client_for(users["north_rep"])
    contacts, accounts = rep.get("/contacts/").content.decode(), rep.get("/accounts/").content.decode()
    assert 'href="/contacts/" aria-current="page"' in contacts and 'href="/accounts/" aria-current="page"' not in contacts
    assert 'href="/accounts/" aria-current="page"' in accounts and 'href="/contacts/" aria-current="page"' not in accounts
    assert "Fraud review" not in contacts and 'href="/admin/"' not in contacts
    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    chinese = client_for(User.objects.get(pk=users["north_rep"].pk)).get("/contacts/").content.decode()
    assert "<span>联系人</span>" in chinese and "<span>Contacts</span>" not in chinese
    admin = client_for(users["admin"]).get("/contacts/").content.decode()
    assert 'href="/admin/"' in admin and "Fraud review" in admin and 'href="/contacts/" aria-current="page"' in admin


def test_timeline_entries_name_the_customer_the_reply_and_escape_what_was_typed(client_for, users, zhang):
    rep = users["north_rep"]
    asked = services.interaction_log(actor=rep, channel="email", direction="outbound", subject="Quote <b>Q-1</b>", contact_id=zhang.pk)
    answer = services.interaction_log(
        actor=rep, channel="email", direction="inbound", subject="Re: quote", body="Yes\n<script>x</script>", contact_id=zhang.pk
    )
    Interaction.objects.filter(pk=answer.pk).update(in_reply_to=asked)
    services.interaction_log(actor=rep, channel="face_to_face", subject="Visit", account_id=zhang.account_id)
    client = client_for(rep)
    account_page = client.get(f"/accounts/{zhang.account_id}/").content.decode()
    entry = account_page[account_page.index(f'id="interaction-{answer.pk}"') :].split("</li>", 1)[0]
    assert f'<a href="/contacts/{asked.contact_id}/#interaction-{asked.pk}">Quote &lt;b&gt;Q-1&lt;/b&gt;</a>' in entry  # the reply
    assert f'<a href="/contacts/{zhang.pk}/">张伟</a>' in entry  # on an account's timeline: with whom
    assert '<span class="badge badge-muted">Email · Inbound</span>' in entry
    assert "Yes<br>&lt;script&gt;x&lt;/script&gt;" in entry and "<script>x" not in account_page
    visit = account_page[account_page.index("Visit") :].split("</li>", 1)[0]
    assert "/contacts/" not in visit  # the account's own entry names no contact
    contact_page = client.get(f"/contacts/{zhang.pk}/").content.decode()
    own = contact_page[contact_page.index(f'id="interaction-{answer.pk}"') :].split("</li>", 1)[0]
    assert f'<a href="/contacts/{zhang.pk}/">' not in own  # the page's own customer is not linked again
    timeline = client.get("/timeline/").content.decode()
    assert (
        f'<a href="/contacts/{zhang.pk}/">张伟</a>' in timeline and f'<a href="/accounts/{zhang.account_id}/">上海华通科技</a>' in timeline
    )


def test_a_refused_log_keeps_what_was_typed_and_the_next_page_has_a_blank_form(client_for, users, zhang):
    client = client_for(users["north_rep"])
    refused = client.post(f"/contacts/{zhang.pk}/log/", {"channel": "pigeon", "direction": "inbound", "subject": "Kept subject"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'value="Kept subject"' in html and "field-error" in html
    blank = client.get(f"/contacts/{zhang.pk}/").content.decode()
    assert "Kept subject" not in blank and "field-error" not in blank and 'name="subject"' in blank
    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    chinese = client_for(User.objects.get(pk=users["north_rep"].pk)).get(f"/contacts/{zhang.pk}/").content.decode()
    assert "渠道" in chinese and 'name="channel"' in chinese


def test_list_search_filters_and_htmx_partial(client_for, users):
    for name, industry in (("Acme", "Software"), ("Globex", "Logistics"), ("Acme Asia", "Logistics")):
        services.account_create(actor=users["north_rep"], data={"name": name, "industry": industry})
    client = client_for(users["north_rep"])
    page = client.get("/accounts/", {"q": "acme", "industry": "Logistics"}).content.decode()
    assert "Acme Asia" in page
    assert ">Globex<" not in page and "<span>Acme</span>" not in page
    partial = client.get("/accounts/", {"q": "globex"}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert b"Globex" in partial.content


def test_a_contact_row_shows_each_column_linked_and_escaped(client_for, users, zhang):
    data = {"emails": [{"value": "zhang@huatong.example"}], "tags": ["VIP"]}
    services.contact_update(actor=users["north_rep"], contact=zhang, data=data, expected_version=None)
    services.contact_create(actor=users["north_rep"], data={"last_name": "<b>Bold</b>", "title": "<i>x</i>"})
    page = client_for(users["north_rep"]).get("/contacts/").content.decode()
    row = page[page.index(f'href="/contacts/{zhang.pk}/"') :].split("</tr>", 1)[0]
    assert '<span class="avatar avatar-sm">' in row and "<span>张伟</span>" in row and '<div class="muted small">采购经理</div>' in row
    assert '<a class="nowrap" href="tel:+8613800138000">+86 138 0013 8000</a>' in row
    assert '<a href="mailto:zhang@huatong.example">zhang@huatong.example</a>' in row
    assert f'<a href="/accounts/{zhang.account_id}/">上海华通科技</a>' in row and '<span class="tag">VIP</span>' in row
    assert '<time datetime="' in row
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page and "&lt;i&gt;x&lt;/i&gt;" in page


def test_a_bad_filter_is_explained_not_a_crash(client_for, users):
    response = client_for(users["north_rep"]).get("/contacts/", {"owner_id": "abc", "sort": "shoe_size"})
    assert response.status_code == 200
    assert "is not an id" in response.content.decode()


def test_sort_and_keyset_pages_forward_and_back(client_for, users):
    for i in range(30):
        services.contact_create(actor=users["north_rep"], data={"last_name": f"Person {i:02d}"})
    client = client_for(users["north_rep"])
    first = client.get("/contacts/", {"sort": "-name"})
    names = [c.full_name for c in first.context["page"].items]
    assert names[0] == "Person 29" and len(names) == 25
    next_cursor = first.context["page"].next_cursor
    second = client.get("/contacts/", {"sort": "-name", "cursor": next_cursor})
    assert [c.full_name for c in second.context["page"].items] == [f"Person {i:02d}" for i in range(4, -1, -1)]
    assert second.context["page"].next_cursor is None
    back = client.get("/contacts/", {"sort": "-name", "before": second.context["page"].previous_cursor})
    assert [c.full_name for c in back.context["page"].items] == names
    assert back.context["page"].is_first is True
