"""Create, edit, delete and log through the pages: errors at their fields, nothing stored on bad input."""

from __future__ import annotations

import pytest

from rapport.core.models import AuditEntry
from rapport.customers import services
from rapport.customers.models import Account, Contact, ContactPoint, Interaction

pytestmark = pytest.mark.django_db


def _contact_form(**overrides):
    data = {
        "last_name": "张",
        "first_name": "伟",
        "title": "",
        "phones-value": ["138 0013 8000", ""],
        "phones-label": ["mobile", ""],
        "emails-value": [""],
        "emails-label": [""],
        "consent_phone": "on",
        "tags": "VIP, 2025 expo",
    }
    data.update(overrides)
    return data


def test_create_contact_with_a_chinese_name_and_local_phone(client_for, users):
    response = client_for(users["north_rep"]).post("/contacts/new/", _contact_form())
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert contact.full_name == "张伟"
    assert contact.consent_phone is True and contact.consent_email is False
    assert list(ContactPoint.objects.values_list("value", "normalised", "label")) == [("138 0013 8000", "+8613800138000", "mobile")]
    assert sorted(contact.tags.values_list("name", flat=True)) == ["2025 expo", "VIP"]
    assert contact.owner == users["north_rep"]


def test_bad_input_is_shown_at_each_field_and_nothing_is_stored(client_for, users):
    data = _contact_form(
        **{"phones-value": ["138 0013 8000", "12"], "phones-label": ["", ""], "emails-value": ["not-an-email"], "country": "XX"}
    )
    response = client_for(users["north_rep"]).post("/contacts/new/", data)
    assert response.status_code == 422
    form = response.context["form"]
    assert form.rows["phones"][0].errors == []
    assert form.rows["phones"][1].errors == ["“12” is not a valid phone number."]
    assert form.rows["emails"][0].errors[0].startswith("Not a valid email address")
    assert form.errors["country"] == ["“XX” is not a country code such as CN or US."]
    page = response.content.decode()
    assert 'value="not-an-email"' in page and 'value="12"' in page  # what the user typed is kept
    assert Contact.objects.count() == 0 and ContactPoint.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_a_required_custom_field_is_named_at_its_input(client_for, users):
    services.custom_field_define(
        actor=users["admin"], entity="account", key="tier", label="Tier", field_type="choice", choices=["Gold"], required=True
    )
    response = client_for(users["north_rep"]).post("/accounts/new/", {"name": "Acme", "kind": "company", "cf_tier": ""})
    assert response.status_code == 422
    assert response.context["form"].errors["cf_tier"] == ["This field is required."]
    assert Account.objects.count() == 0


def test_edit_saves_and_records_the_change(client_for, users, zhang):
    client = client_for(users["north_rep"])
    form = client.get(f"/contacts/{zhang.pk}/edit/").context["form"]
    data = _contact_form(
        title="采购总监", version=str(zhang.version), opened_at=form.initial["opened_at"], account_id=str(zhang.account_id)
    )
    response = client.post(f"/contacts/{zhang.pk}/edit/", data)
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.title == "采购总监"
    entry = AuditEntry.objects.filter(record_id=zhang.pk, record_type="customers.contact", action="update").get()
    assert entry.changes["title"] == ["采购经理", "采购总监"]


def test_a_stale_save_shows_the_other_change_and_keeps_what_was_typed(client_for, users, zhang):
    client = client_for(users["north_rep"])
    opened = client.get(f"/contacts/{zhang.pk}/edit/").context["form"].initial
    services.contact_update(actor=users["manager"], contact=zhang, data={"department": "采购部"}, expected_version=zhang.version)
    data = _contact_form(
        title="My typed title", version=str(opened["version"]), opened_at=opened["opened_at"], account_id=str(zhang.account_id)
    )
    response = client.post(f"/contacts/{zhang.pk}/edit/", data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this record while you were editing it." in page
    assert "采购部" in page and "manager" in page  # what they changed, and who
    assert 'value="My typed title"' in page
    stored = Contact.objects.get(pk=zhang.pk)
    assert stored.title == "采购经理" and stored.department == "采购部"
    # Saving again on purpose applies the user's version over the current one.
    again = client.post(f"/contacts/{zhang.pk}/edit/", {**data, "version": str(stored.version)})
    assert again.status_code == 302
    assert Contact.objects.get(pk=zhang.pk).title == "My typed title"


def test_delete_asks_first(client_for, users, zhang):
    client = client_for(users["north_rep"])
    confirm = client.get(f"/contacts/{zhang.pk}/delete/")
    assert confirm.status_code == 200 and Contact.objects.filter(pk=zhang.pk).exists()
    response = client.post(f"/contacts/{zhang.pk}/delete/", {"version": str(zhang.version)})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=zhang.pk).exists()


def test_an_account_with_subsidiaries_is_not_deleted(client_for, users):
    parent = services.account_create(actor=users["north_rep"], data={"name": "Group"})
    services.account_create(actor=users["north_rep"], data={"name": "Daughter", "parent_id": parent.pk})
    response = client_for(users["north_rep"]).post(f"/accounts/{parent.pk}/delete/", {"version": str(parent.version)})
    assert response.status_code == 422
    assert "move or delete them first" in response.content.decode()
    assert Account.objects.count() == 2


def test_log_interaction_over_htmx_adds_to_the_timeline(client_for, users, zhang):
    client = client_for(users["north_rep"])
    headers = {"HX-Request": "true", "HX-Target": "timeline-items"}
    response = client.post(
        f"/contacts/{zhang.pk}/log/", {"channel": "phone", "direction": "inbound", "subject": "Asked for a quote"}, headers=headers
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Asked for a quote" in body and 'hx-swap-oob="true"' in body and "<html" not in body
    assert Interaction.objects.get().contact == zhang
    refused = client.post(f"/contacts/{zhang.pk}/log/", {"channel": "phone", "direction": "inbound", "subject": ""}, headers=headers)
    assert refused["HX-Retarget"] == "#log-form"
    assert "This field is required." in refused.content.decode()
    assert Interaction.objects.count() == 1


def test_a_marketer_reads_but_is_offered_no_edit(client_for, users, zhang):
    page = client_for(users["marketer"]).get(f"/contacts/{zhang.pk}/").content.decode()
    assert "data-edit" not in page
    refused = client_for(users["marketer"]).post(f"/contacts/{zhang.pk}/edit/", _contact_form(version=str(zhang.version), title="x"))
    assert refused.status_code == 422
    assert "may read customer records but not change them" in refused.content.decode()
    assert Contact.objects.get(pk=zhang.pk).title == "采购经理"


def test_a_marketer_brings_in_leads_but_adds_no_other_record_and_an_analyst_adds_none(client_for, users, api_for):
    from rapport.customers.models import Lead

    marketer, analyst = users["marketer"], users["analyst"]
    # Marketing's cards become leads, through the page and the API; the assignment rules take them from there.
    leads_page = client_for(marketer).get("/leads/").content.decode()
    assert 'href="/leads/new/"' in leads_page and "data-import" in leads_page
    created = client_for(marketer).post("/leads/new/", {"last_name": "Expo visitor", "company": "Suzhou Pumps", "status": "new"})
    assert created.status_code == 302, created.content.decode()[:2000]
    assert api_for(marketer).post("leads", {"last_name": "Web reply", "company": "Ningbo Port"}).status_code == 201
    assert set(Lead.objects.values_list("last_name", flat=True)) == {"Expo visitor", "Web reply"}
    # Nothing else: no accounts or contacts, and no button that would lead to a refusal.
    contacts_page = client_for(marketer).get("/contacts/").content.decode()
    assert 'href="/contacts/new/"' not in contacts_page
    assert api_for(marketer).post("contacts", {"last_name": "Sneaky"}).status_code == 403
    assert api_for(marketer).post("accounts", {"name": "Sneaky Ltd"}).status_code == 403
    lead = Lead.objects.get(last_name="Web reply")
    assert api_for(marketer).patch(f"leads/{lead.pk}", {"company": "Other", "version": lead.version}).status_code == 403
    # The analyst reads.
    analyst_page = client_for(analyst).get("/leads/").content.decode()
    assert 'href="/leads/new/"' not in analyst_page and "data-import" not in analyst_page
    assert api_for(analyst).post("leads", {"last_name": "Nope"}).status_code == 403
    assert Lead.objects.count() == 2
