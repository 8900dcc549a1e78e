"""The demo generator: what it writes is what the services would have written."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import phonenumbers
import pytest
from django.db.models import F

from rapport.common.emails import normalise_email
from rapport.common.phones import normalise_phone
from rapport.core.models import AuditEntry, Role, User
from rapport.customers import selectors
from rapport.customers.models import Account, Channel, Contact, ContactPoint, Interaction, Lead, SearchTerm
from rapport.customers.search import terms_for
from rapport.customers.validation import compose_full_name
from rapport.dataops.demo import DemoConflict, DemoPlan, load_demo
from rapport.dataops.models import DemoLoadPhase
from rapport.marketing.models import Campaign
from rapport.sales.models import Opportunity, Order, OrderLine
from rapport.service.models import Case

PLAN = DemoPlan(contacts=300, accounts=40, leads=60, batch_size=50, seed=7)


class Boom(Exception):
    pass


def _fingerprint() -> dict[str, list[Any]]:
    """The loaded data without ids and load times: equal for equal seeds."""
    return {
        "accounts": list(Account.objects.order_by("pk").values_list("name", "region", "owner__username", "team__slug", "parent__name")),
        "contacts": list(
            Contact.objects.order_by("pk").values_list("full_name", "title", "region", "owner__username", "account__name", "consent_email")
        ),
        "leads": list(Lead.objects.order_by("pk").values_list("full_name", "company", "source", "status", "owner__username")),
        "points": list(ContactPoint.objects.order_by("pk").values_list("kind", "value", "normalised", "is_primary", "label")),
        # A case's note names its number, which is its id.
        "interactions": [
            (channel, direction, re.sub(r"CS-\d+", "CS-…", subject), user)
            for channel, direction, subject, user in Interaction.objects.order_by("pk").values_list(
                "channel", "direction", "subject", "user__username"
            )
        ],
        "terms": sorted(SearchTerm.objects.values_list("record_type", "term")),
        "tags": sorted(Contact.tags.through.objects.values_list("contact__full_name", "tag__name")),
        "deals": list(Opportunity.objects.order_by("pk").values_list("name", "amount", "currency", "stage__name", "owner__username")),
        "orders": list(
            Order.objects.order_by("pk").values_list("account__name", "ordered_on", "currency", "grand_total", "status", "channel")
        ),
        "order_lines": list(OrderLine.objects.order_by("pk").values_list("product__sku", "quantity", "line_total")),
        # Days, not moments: each load anchors its dates on when it started.
        "cases": list(
            Case.objects.order_by("pk").values_list("account__name", "kind", "priority", "status", "created_at__date", "resolved_at__date")
        ),
        "campaigns": list(Campaign.objects.order_by("pk").values_list("name", "starts_on", "parent__name", "budget")),
        "responses": sorted(
            Campaign.objects.values_list("name", "responses__kind", "responses__responded_on", "responses__contact__full_name"), key=str
        ),
    }


def _wipe() -> None:
    from rapport.marketing.models import CampaignResponse
    from rapport.sales.models import Contract, Invoice, Order, OrderLine, OrderReturn, Payment, Quota, Quote

    CampaignResponse.objects.all().delete()
    Campaign.objects.filter(parent__isnull=False).delete()
    Campaign.objects.all().delete()
    for model in (Case, OrderReturn, Payment, Invoice, OrderLine, Order, Contract, Quote, Opportunity, Quota):
        model.objects.all().delete()
    Interaction.objects.all().delete()
    ContactPoint.objects.all().delete()
    SearchTerm.objects.all().delete()
    Contact.objects.all().delete()
    Lead.objects.all().delete()
    Account.objects.filter(parent__isnull=False).delete()
    Account.objects.all().delete()
    AuditEntry.objects.all().delete()
    DemoLoadPhase.objects.all().delete()


@pytest.fixture
def loaded(db: Any) -> dict[str, int]:
    return load_demo(PLAN)


def test_the_load_creates_the_sizes_asked_for_and_a_user_per_role(loaded: dict[str, int]) -> None:
    assert loaded == {"accounts": 40, "contacts": 300, "leads": 60, "story": 1, "purchase_history": 40, "campaigns": 6}
    assert (Account.objects.count(), Contact.objects.count(), Lead.objects.count()) == (40, 301, 60)
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": Role.ADMINISTRATOR,
        "manager": Role.SALES_MANAGER,
        "rep.north": Role.SALES_REP,
        "rep.east": Role.SALES_REP,
        "rep.south": Role.SALES_REP,
        "rep.intl": Role.SALES_REP,
        "agent": Role.SERVICE_AGENT,
        "marketer": Role.MARKETER,
        "analyst": Role.ANALYST,
    }
    assert all(u.check_password("rapport-demo") for u in User.objects.all())
    assert AuditEntry.objects.filter(action="create", record_type="customers.contact").count() == 301


def test_every_phone_and_email_is_stored_as_the_services_normalise_it(loaded: dict[str, int]) -> None:
    phones = list(ContactPoint.objects.filter(kind="phone").values_list("value", "normalised"))
    assert len(phones) > 300
    for typed, e164 in phones:
        assert normalise_phone(typed) == e164, typed
        assert phonenumbers.is_valid_number(phonenumbers.parse(e164, None)), e164
    formats = {typed[:4] for typed, e164 in phones if e164.startswith("+86")}
    assert {"+86 ", "+86-", "0086"} <= formats
    emails = list(ContactPoint.objects.filter(kind="email").values_list("value", "normalised"))
    assert len(emails) > 250
    assert all(normalise_email(value) == normalised for value, normalised in emails)
    assert all(p.count(True) == 1 for p in _primaries())


def _primaries() -> list[list[bool]]:
    by_owner: dict[tuple[str, int | None, int | None, int | None], list[bool]] = {}
    for kind, account, contact, lead, primary in ContactPoint.objects.values_list("kind", "account", "contact", "lead", "is_primary"):
        by_owner.setdefault((kind, account, contact, lead), []).append(primary)
    return list(by_owner.values())


def test_names_search_terms_owners_and_teams_match_the_services(loaded: dict[str, int]) -> None:
    chinese = 0
    for contact in Contact.objects.select_related("account", "owner").prefetch_related("contact_points"):
        assert contact.full_name == compose_full_name(contact.first_name, contact.last_name)
        chinese += contact.language == "zh-hans"
        emails = [p.normalised for p in contact.contact_points.all() if p.kind == "email"]
        account_name = contact.account.name if contact.account else ""
        expected = terms_for(contact.full_name, contact.first_name, contact.last_name, account_name, *emails)
        assert set(SearchTerm.objects.filter(record_type="contact", record_id=contact.pk).values_list("term", flat=True)) == expected
        assert contact.team_id == contact.owner.team_id
        if contact.account:
            assert contact.team_id == contact.account.team_id
    assert 120 < chinese < 240  # locale mix 0.6
    assert Contact.objects.filter(full_name__regex=r"^[A-Za-z]").exists()
    for record in [*Account.objects.select_related("owner"), *Lead.objects.select_related("owner")]:
        assert record.team_id == record.owner.team_id
    # Each term carries its record's owner, team and shared flag, as ``search.index_record`` writes them.
    for record_type, model in (("account", Account), ("contact", Contact), ("lead", Lead)):
        visibility = {pk: rest for pk, *rest in model.objects.values_list("pk", "owner_id", "team_id", "shared_with_team")}
        terms = SearchTerm.objects.filter(record_type=record_type).values_list("record_id", "owner_id", "team_id", "shared_with_team")
        assert terms.exists()
        assert all(visibility[record_id] == rest for record_id, *rest in terms)


def test_the_stories_are_there(loaded: dict[str, int]) -> None:
    group = Account.objects.get(name="鼎盛集团")
    assert group.subsidiaries.count() == 20
    assert Contact.objects.filter(account__parent=group).exists()
    assert set(Interaction.objects.values_list("channel", flat=True)) == set(Channel.values)
    anchor = dt.datetime.fromisoformat(DemoLoadPhase.objects.get(phase="plan").plan["anchor"])
    oldest = Interaction.objects.order_by("occurred_at").first()
    assert oldest is not None and oldest.occurred_at >= anchor - dt.timedelta(days=731)
    assert (
        Lead.objects.filter(source="Trade show", tags__name="Trade show 2025").count()
        == Lead.objects.filter(source="Trade show").count()
        > 0
    )
    assert set(Lead.objects.values_list("status", flat=True)) >= {"new", "contacted", "qualified"}
    rep = User.objects.get(username="rep.north")
    [zhang] = selectors.contacts_by_phone(user=rep, phone="0086 138-0013-8000")
    assert (zhang.full_name, zhang.first_name, zhang.last_name, zhang.owner, zhang.account.name) == (
        "张伟",
        "伟",
        "张",
        rep,
        "鼎盛集团（北京）有限公司",
    )
    from rapport.sales.models import Contract, OrderReturn

    ends = {c.title: (c.end_date - anchor.date()).days for c in Contract.objects.filter(account=zhang.account)}
    assert ends == {"年度维护合同": 25, "X-200 延保服务": 205, "办公设备租赁": -30}
    statuses = dict(Contract.objects.filter(account=zhang.account).values_list("title", "status"))
    assert statuses == {"年度维护合同": "active", "X-200 延保服务": "active", "办公设备租赁": "ended"}
    [returned] = OrderReturn.objects.filter(line__order__account=zhang.account)
    assert (returned.status, returned.refund_amount, returned.line.order.status) == ("requested", Decimal("6778.87"), "shipped")
    # The order is his accepted quote's, placed on the day the timeline says he bought it, and paid.
    order = returned.line.order
    assert (order.quote.title, order.quote.status, order.ordered_on.strftime("%m-%d")) == ("X-200 报价（1台）", "accepted", "03-12")
    assert order.quote.opportunity.stage.is_won and order.quote.opportunity.closed_at.date() == order.ordered_on
    assert [(i.issued_on, i.status) for i in order.invoices.all()] == [(order.ordered_on, "paid")]
    from rapport.sales.models import Invoice

    # The payers: one pays within terms, one pays late, one has stopped paying, one is new.
    open_overdue = Invoice.objects.filter(status="open", due_on__lt=anchor.date()).exclude(order__account=zhang.account)
    assert OrderReturn.objects.count() == 2  # and the suspicious account's, of goods never paid for
    assert open_overdue.count() == 2 and Invoice.objects.filter(status="paid", settled_on__gt=F("due_on")).count() == 5
    timeline = selectors.timeline_for(user=rep, contact=zhang)
    assert len(timeline) == 6
    assert (timeline[1].channel, timeline[1].direction, timeline[1].subject) == ("phone", "inbound", "投诉：X-200 噪音大")


def test_search_finds_a_generated_contact_by_name_email_and_phone_within_the_users_view(loaded: dict[str, int]) -> None:
    point = ContactPoint.objects.filter(kind="email", contact__isnull=False, contact__full_name__regex=r"^[A-Za-z]").select_related(
        "contact"
    )[0]
    contact = point.contact
    admin = User.objects.get(username="admin")
    assert contact in selectors.global_search(user=admin, query=point.normalised)["contacts"]
    assert contact in selectors.global_search(user=admin, query=contact.last_name, limit=50)["contacts"]
    phone = contact.contact_points.filter(kind="phone").first()
    if phone is not None:
        assert contact in selectors.contacts_by_phone(user=admin, phone=phone.value)
    stranger = User.objects.filter(role=Role.SALES_REP).exclude(pk=contact.owner_id).exclude(team=contact.team_id).first()
    assert stranger is not None
    assert selectors.global_search(user=stranger, query=point.normalised)["contacts"] == []


@pytest.mark.parametrize(("phase", "batch"), [("accounts", 0), ("contacts", 2), ("leads", 1), ("purchase_history", 0)])
def test_an_interrupted_load_resumes_to_exactly_what_an_uninterrupted_one_writes(db: Any, phase: str, batch: int) -> None:
    load_demo(PLAN)
    uninterrupted = _fingerprint()
    _wipe()

    def interrupt(at_phase: str, at_batch: int) -> None:
        if (at_phase, at_batch) == (phase, batch):
            raise Boom

    with pytest.raises(Boom):
        load_demo(PLAN, on_batch=interrupt)
    state = DemoLoadPhase.objects.get(phase=phase)
    assert (state.batches_done, state.finished) == (batch, False)
    if phase == "purchase_history":
        assert Order.objects.count() < len(uninterrupted["orders"]) / 4  # the stories' orders only: the batch rolled back
    else:
        assert {"accounts": Account, "contacts": Contact, "leads": Lead}[phase].objects.count() == batch * PLAN.batch_size
    # What the interrupted batch wrote around its records rolled back with them.
    assert not SearchTerm.objects.filter(record_type="contact").exclude(record_id__in=Contact.objects.values("pk")).exists()
    assert AuditEntry.objects.filter(record_type="customers.contact").count() == Contact.objects.count()

    assert load_demo(PLAN) == {"accounts": 40, "contacts": 300, "leads": 60, "story": 1, "purchase_history": 40, "campaigns": 6}
    assert _fingerprint() == uninterrupted


def test_running_a_finished_load_again_changes_nothing_and_other_options_are_refused(loaded: dict[str, int]) -> None:
    before = _fingerprint()
    assert load_demo(PLAN) == loaded
    with pytest.raises(DemoConflict, match="seed=7"):
        load_demo(DemoPlan(contacts=300, accounts=40, leads=60, batch_size=50, seed=8))
    assert _fingerprint() == before


def test_another_seed_gives_other_data(db: Any) -> None:
    load_demo(PLAN)
    first = _fingerprint()
    _wipe()
    load_demo(DemoPlan(contacts=300, accounts=40, leads=60, batch_size=50, seed=8))
    second = _fingerprint()
    assert first["contacts"] != second["contacts"]
    assert len(first["contacts"]) == len(second["contacts"]) == 301
