"""Converting a lead: reuse of an existing account and contact, the timeline, the opportunity, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rapport.common.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.customers.models import Account, ConsentRecord, Contact, Interaction, Lead
from rapport.customers.services import account_create, consent_record, contact_create, interaction_log, lead_create
from rapport.sales.conversion import company_key, conversion_plan, lead_convert
from rapport.sales.models import Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(users):
    rep = users["north_rep"]
    made = lead_create(
        actor=rep,
        data={
            "first_name": "Wei",
            "last_name": "Zhang",
            "title": "Buyer",
            "company": "Acme Tools Ltd.",
            "company_size": 120,
            "industry": "Manufacturing",
            "region": "Jiangsu",
            "country": "CN",
            "source": "Trade show",
            "emails": [{"value": "Wei.Zhang@Acme.cn"}],
            "phones": [{"value": "139 1234 5678", "label": "mobile"}],
            "tags": ["expo-2026"],
            "consent_email": True,
        },
    )
    consent_record(actor=rep, person=made, channel="email", granted=True, method="signed card at the booth")
    interaction_log(actor=rep, channel="face_to_face", subject="Met at the booth", lead_id=made.pk)
    interaction_log(actor=rep, channel="phone", subject="Called back", lead_id=made.pk)
    return made


def counts():
    return (Account.objects.count(), Contact.objects.count(), Opportunity.objects.count())


def test_company_key_ignores_case_punctuation_and_spacing():
    assert company_key("  ACME  Tools, Ltd ") == company_key("Acme Tools Ltd.") == "acme tools ltd"
    assert company_key("上海工具有限公司") == "上海工具有限公司"


def test_new_account_and_contact_carry_the_lead_and_its_timeline(users, lead):
    rep = users["north_rep"]
    result = lead_convert(actor=rep, lead=lead, create_opportunity=False)
    account, contact = result.account, result.contact
    assert (result.account_created, result.contact_created, result.interactions_moved, result.opportunity) == (True, True, 2, None)
    assert (account.name, account.industry, account.region, account.country, account.employees, account.owner) == (
        "Acme Tools Ltd.",
        "Manufacturing",
        "Jiangsu",
        "CN",
        120,
        rep,
    )
    assert (contact.full_name, contact.title, contact.account, contact.consent_email, contact.owner) == (
        "Wei Zhang",
        "Buyer",
        account,
        True,
        rep,
    )
    assert sorted(contact.contact_points.values_list("kind", "value", "normalised", "label")) == [
        ("email", "Wei.Zhang@Acme.cn", "Wei.Zhang@acme.cn", ""),
        ("phone", "139 1234 5678", "+8613912345678", "mobile"),
    ]
    assert list(contact.tags.values_list("name", flat=True)) == ["expo-2026"]
    assert set(Interaction.objects.values_list("subject", "contact_id", "account_id", "lead_id")) == {
        ("Met at the booth", contact.pk, account.pk, None),
        ("Called back", contact.pk, account.pk, None),
    }
    assert list(ConsentRecord.objects.values_list("contact_id", "lead_id", "method")) == [(contact.pk, None, "signed card at the booth")]
    lead.refresh_from_db()
    assert (lead.status, lead.converted_account, lead.converted_contact, lead.converted_opportunity) == ("converted", account, contact, "")
    assert lead.converted_at is not None
    audited = AuditEntry.objects.filter(record_type="customers.lead", record_id=lead.pk, action="update").latest("id")
    assert audited.changes["status"] == ["new", "converted"]


def test_existing_account_by_name_and_contact_by_phone_in_another_format(users, lead):
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "ACME TOOLS LTD"})
    contact = contact_create(actor=rep, data={"last_name": "Zhang W.", "phones": [{"value": "+86 139-1234-5678"}]})
    plan = conversion_plan(actor=rep, lead=lead)
    assert (plan.account, plan.account_reason, plan.contact, plan.contact_reason) == (
        account,
        "same name",
        contact,
        "same phone +8613912345678",
    )
    before = counts()
    result = lead_convert(actor=rep, lead=lead, create_opportunity=False)
    assert counts() == before
    assert (result.account, result.contact, result.account_created, result.contact_created) == (account, contact, False, False)
    contact.refresh_from_db()
    # The existing contact joins the account and gets the lead's tag and consent.
    assert (contact.account, contact.consent_email) == (account, True)
    assert list(contact.tags.values_list("name", flat=True)) == ["expo-2026"]
    assert sorted(ConsentRecord.objects.filter(contact=contact).values_list("method", flat=True)) == [
        f"given as lead #{lead.pk}",
        "signed card at the booth",
    ]


def test_existing_contact_by_email_in_another_case(users, lead):
    rep = users["north_rep"]
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "emails": [{"value": "wei.zhang@acme.cn"}]})
    assert lead_convert(actor=rep, lead=lead, create_opportunity=False).contact == contact
    assert Contact.objects.count() == 1


def test_a_withdrawal_on_the_existing_contact_stands(users, lead):
    rep = users["north_rep"]
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "emails": [{"value": "wei.zhang@acme.cn"}]})
    consent_record(actor=rep, person=contact, channel="email", granted=False, method="unsubscribed")
    lead_convert(actor=rep, lead=lead, create_opportunity=False)
    contact.refresh_from_db()
    assert contact.consent_email is False


def test_records_the_actor_cannot_see_are_not_matched(users, lead):
    rep = users["north_rep"]
    account_create(actor=users["south_rep"], data={"name": "Acme Tools Ltd"})
    contact_create(actor=users["south_rep"], data={"last_name": "Zhang", "phones": [{"value": "13912345678"}]})
    result = lead_convert(actor=rep, lead=lead, create_opportunity=False)
    assert (result.account_created, result.contact_created) == (True, True)
    assert (Account.objects.count(), Contact.objects.count()) == (2, 2)


def test_attach_to_a_chosen_account(users, lead):
    rep = users["north_rep"]
    group = account_create(actor=rep, data={"name": "Acme Group"})
    result = lead_convert(actor=rep, lead=lead, create_opportunity=False, account_id=group.pk)
    assert (result.account, result.contact.account, Account.objects.count()) == (group, group, 1)
    hidden = account_create(actor=users["south_rep"], data={"name": "Hidden"})
    other = lead_create(actor=rep, data={"last_name": "Li", "company": "X"})
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=rep, lead=other, create_opportunity=False, account_id=hidden.pk)
    assert caught.value.field_errors == {"account_id": [f"No such account: {hidden.pk}."]}


def test_with_an_opportunity(users, lead, pipeline, stages):
    rep = users["north_rep"]
    result = lead_convert(
        actor=rep,
        lead=lead,
        create_opportunity=True,
        opportunity_name="Acme lathes",
        amount="50000",
        currency="CNY",
        close_date="2026-09-30",
    )
    deal = result.opportunity
    assert (deal.name, deal.account, deal.primary_contact, deal.amount, deal.currency, deal.expected_close_date) == (
        "Acme lathes",
        result.account,
        result.contact,
        Decimal(50000),
        "CNY",
        dt.date(2026, 9, 30),
    )
    assert (deal.stage, deal.source, deal.owner, deal.pipeline) == (stages["Prospecting"], "Trade show", rep, pipeline)
    lead.refresh_from_db()
    assert lead.converted_opportunity == f"sales.opportunity:{deal.pk}"


def test_a_bad_opportunity_writes_nothing_and_names_the_field(users, lead, pipeline):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=users["north_rep"], lead=lead, create_opportunity=True, opportunity_name="", amount="-5", currency="CNY")
    assert set(caught.value.field_errors) == {"opportunity_name", "amount"}
    assert counts() == before
    lead.refresh_from_db()
    assert (lead.status, Interaction.objects.filter(lead=lead).count()) == ("new", 2)


def test_converting_twice_is_refused(users, lead):
    lead_convert(actor=users["north_rep"], lead=lead, create_opportunity=False)
    before = counts()
    with pytest.raises(Conflict, match="already been converted"):
        lead_convert(actor=users["north_rep"], lead=Lead.objects.get(pk=lead.pk), create_opportunity=False)
    # A stale copy still read as "new" is refused under the row lock.
    with pytest.raises(Conflict):
        lead_convert(actor=users["north_rep"], lead=lead, create_opportunity=False)
    assert counts() == before


def test_who_may_convert(users, lead):
    before = counts()
    with pytest.raises(PermissionDenied):
        lead_convert(actor=users["marketer"], lead=lead, create_opportunity=False)
    with pytest.raises(PermissionDenied):
        lead_convert(actor=users["south_rep"], lead=lead, create_opportunity=False)
    assert counts() == before
    # The manager converts the rep's lead; the records stay with the rep.
    result = lead_convert(actor=users["manager"], lead=lead, create_opportunity=False)
    assert (result.account.owner, result.contact.owner) == (users["north_rep"], users["north_rep"])


def test_an_opportunity_needs_a_company_or_an_account(users, pipeline):
    person = lead_create(actor=users["north_rep"], data={"last_name": "Wang"})
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=users["north_rep"], lead=person, create_opportunity=True)
    assert list(caught.value.field_errors) == ["account_id"]
    result = lead_convert(actor=users["north_rep"], lead=person, create_opportunity=False)
    assert (result.account, result.contact.full_name, Account.objects.count()) == (None, "Wang", 0)
