"""Lead assignment rules: each operator, each target and distribution, routing on arrival, re-routing."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from rapport.common.errors import PermissionDenied, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.customers.models import Activity, Lead
from rapport.customers.services import custom_field_define, lead_create
from rapport.sales import assignment
from rapport.sales.assignment import (
    assignment_rule_create,
    assignment_rule_delete,
    assignment_rule_move,
    assignment_rule_update,
    leads_reroute,
    rule_for_sample,
)
from rapport.sales.models import AssignmentRule, AssignmentState

pytestmark = pytest.mark.django_db


@pytest.fixture
def east(teams, make_user):
    """A team of three reps (made in id order) plus a marketer, who never receives leads."""
    from rapport.core.services import team_get_or_create

    team = team_get_or_create(slug="east", name="East")
    reps = [make_user(f"east_rep{i}", team=team) for i in (1, 2, 3)]
    make_user("east_marketer", role="marketer", team=team)
    return team, reps


@pytest.fixture
def arrive(users, django_capture_on_commit_callbacks):
    """Create a lead as an administrator and deliver its events, as a page, the API or an import would."""

    def make(**data):
        data.setdefault("last_name", "Li")
        with django_capture_on_commit_callbacks(execute=True):
            lead = lead_create(actor=users["admin"], data=data, via="import")
        lead.refresh_from_db()
        return lead

    return make


def rule(admin, name, conditions, **target):
    return assignment_rule_create(actor=admin, data={"name": name, "conditions": conditions, **target})


def when(field, operator, value):
    return [{"field": field, "operator": operator, "value": value}]


@pytest.mark.parametrize(
    ("condition", "lead", "fires"),
    [
        (when("industry", "equals", "Manufacturing"), {"industry": " manufacturing "}, True),
        (when("industry", "equals", "Manufacturing"), {"industry": "Mining"}, False),
        (when("region", "in", ["Jiangsu", "Zhejiang"]), {"region": "zhejiang"}, True),
        (when("region", "in", "Jiangsu, Zhejiang"), {"region": "Anhui"}, False),
        (when("source", "startswith", "trade"), {"source": "Trade show Shanghai"}, True),
        (when("source", "startswith", "trade"), {"source": "web form"}, False),
        (when("company_size", "between", [50, 200]), {"company_size": 200}, True),
        (when("company_size", "between", [50, 200]), {"company_size": 201}, False),
        (when("company_size", "gte", "1000"), {"company_size": 1000}, True),
        (when("company_size", "gte", "1000"), {"company_size": 999}, False),
        (when("company_size", "lte", 10), {"company_size": 9}, True),
        (when("company_size", "lte", 10), {}, False),  # an empty field matches nothing
        (when("country", "equals", "cn"), {"country": "CN"}, True),
    ],
)
def test_each_operator(users, arrive, condition, lead, fires):
    rule(users["admin"], "The rule", condition, owner_id=users["south_rep"].pk)
    routed = arrive(**lead)
    assert (routed.owner, routed.routed_by) == ((users["south_rep"], "The rule") if fires else (users["admin"], ""))


def test_all_conditions_must_hold_and_the_first_rule_in_order_wins(users, arrive):
    admin = users["admin"]
    both = rule(
        admin,
        "Jiangsu factories",
        when("industry", "equals", "Manufacturing") + when("region", "equals", "Jiangsu"),
        owner_id=users["north_rep"].pk,
    )
    rule(admin, "Any factory", when("industry", "equals", "Manufacturing"), owner_id=users["south_rep"].pk)
    assert arrive(industry="Manufacturing", region="Jiangsu").owner == users["north_rep"]
    assert arrive(industry="Manufacturing", region="Hubei").owner == users["south_rep"]
    assignment_rule_move(actor=admin, rule=both, by=1)
    assert arrive(industry="Manufacturing", region="Jiangsu").owner == users["south_rep"]


def test_inactive_rule_is_skipped(users, arrive):
    off = rule(users["admin"], "Off", [], owner_id=users["north_rep"].pk)
    rule(users["admin"], "Catch all", [], owner_id=users["south_rep"].pk)
    assignment_rule_update(actor=users["admin"], rule=off, data={"is_active": False})
    assert arrive().routed_by == "Catch all"


def test_custom_field_condition(users, arrive):
    custom_field_define(actor=users["admin"], entity="lead", key="product_line", label="Product line")
    rule(users["admin"], "Boilers", when("custom.product_line", "equals", "boilers"), owner_id=users["north_rep"].pk)
    assert arrive(custom={"product_line": "Boilers"}).owner == users["north_rep"]
    assert arrive(custom={"product_line": "Pumps"}).owner == users["admin"]


def test_owner_target_keeps_the_owners_team(users, arrive):
    rule(users["admin"], "To north rep", [], owner_id=users["north_rep"].pk)
    lead = arrive()
    assert (lead.owner, lead.team) == (users["north_rep"], users["north_rep"].team)


def test_round_robin_goes_round_the_team_in_order_and_follow_ups_land_with_the_owner(users, arrive, east):
    team, reps = east
    rule(users["admin"], "East", [], team_id=team.pk, distribution="round_robin", follow_up_hours=48)
    leads = [arrive(last_name=f"L{i}") for i in range(7)]
    assert [lead.owner for lead in leads] == [reps[0], reps[1], reps[2], reps[0], reps[1], reps[2], reps[0]]
    assert {lead.team for lead in leads} == {team}
    assert AssignmentState.objects.get().assigned_count == 7
    todos = Activity.objects.order_by("id")
    assert [(t.owner, t.lead_id, t.kind, t.status) for t in todos] == [(lead.owner, lead.pk, "task", "open") for lead in leads]
    assert round((todos[0].due_at - leads[0].created_at).total_seconds() / 3600) == 48
    assert todos[0].subject == f"Follow up on new lead: {leads[0]}"


def test_round_robin_skips_people_who_left_or_sell_nothing(users, arrive, east):
    from rapport.core.services import user_update

    team, reps = east
    user_update(actor=users["admin"], user=reps[1], data={"is_active": False})
    rule(users["admin"], "East", [], team_id=team.pk, create_follow_up=False)
    assert [arrive().owner for _ in range(3)] == [reps[0], reps[2], reps[0]]
    assert not Activity.objects.exists()


def test_least_loaded_gives_the_lead_to_who_has_fewest_open_leads(users, arrive, east):
    team, reps = east
    for owner, count in ((reps[0], 2), (reps[1], 1), (reps[2], 0)):
        for _ in range(count):
            lead_create(actor=users["admin"], data={"last_name": "Old", "owner_id": owner.pk})
    # Closed leads are not load.
    lead_create(actor=users["admin"], data={"last_name": "Done", "owner_id": reps[2].pk, "status": "unqualified"})
    rule(users["admin"], "East", [], team_id=team.pk, distribution="least_loaded")
    assert [arrive().owner for _ in range(4)] == [reps[2], reps[1], reps[2], reps[0]]


def test_a_team_with_no_one_to_take_the_lead_passes_to_the_next_rule(users, arrive, teams):
    from rapport.core.services import team_get_or_create

    empty = team_get_or_create(slug="west", name="West")
    rule(users["admin"], "West", [], team_id=empty.pk)
    rule(users["admin"], "Fallback", [], owner_id=users["south_rep"].pk)
    assert arrive().routed_by == "Fallback"


def test_routing_is_audited_as_the_system(users, arrive):
    rule(users["admin"], "South", [], owner_id=users["south_rep"].pk)
    lead = arrive()
    entry = AuditEntry.objects.filter(record_type="customers.lead", record_id=lead.pk, action="update").get()
    assert (entry.actor, entry.actor_name, entry.via) == (None, "system", "import")
    assert entry.changes == {
        "owner_id": [users["admin"].pk, users["south_rep"].pk],
        "routed_by": ["", "South"],
        "team_id": [None, users["south_rep"].team_id],
    }


def test_only_administrators_edit_rules_and_bad_input_names_the_field(users):
    with pytest.raises(PermissionDenied):
        rule(users["manager"], "Mine", [], owner_id=users["manager"].pk)
    with pytest.raises(ValidationFailed) as caught:
        assignment_rule_create(
            actor=users["admin"],
            data={
                "name": "",
                "conditions": [
                    {"field": "colour", "operator": "equals", "value": "x"},
                    {"field": "region", "operator": "like", "value": "x"},
                    {"field": "company_size", "operator": "between", "value": [200, 50]},
                    {"field": "region", "operator": "in", "value": []},
                ],
                "owner_id": users["north_rep"].pk,
                "team_id": users["north_rep"].team_id,
                "distribution": "random",
                "follow_up_hours": -1,
                "position": 3,
            },
        )
    assert set(caught.value.field_errors) == {
        "name",
        "conditions[0].field",
        "conditions[1].operator",
        "conditions[2].value",
        "conditions[3].value",
        "owner_id",
        "distribution",
        "follow_up_hours",
        "position",
    }
    assert not AssignmentRule.objects.exists()


def test_deleting_a_rule_stops_it_firing(users, arrive):
    gone = rule(users["admin"], "Gone", [], owner_id=users["north_rep"].pk)
    assert arrive().routed_by == "Gone"
    assignment_rule_delete(actor=users["admin"], rule=gone)
    assert arrive().routed_by == ""
    assert AuditEntry.objects.filter(record_type="sales.assignmentrule", action="delete").count() == 1


def test_which_rule_would_fire_for_a_sample(users):
    rule(users["admin"], "Big", when("company_size", "gte", 500), owner_id=users["north_rep"].pk)
    rule(users["admin"], "Guangdong", when("region", "equals", "Guangdong"), owner_id=users["south_rep"].pk)
    assert rule_for_sample(user=users["admin"], sample={"company_size": "800", "region": "Guangdong"}).name == "Big"
    assert rule_for_sample(user=users["admin"], sample={"company_size": "", "region": "Guangdong"}).name == "Guangdong"
    assert rule_for_sample(user=users["admin"], sample={"region": "Hunan"}) is None


def test_reroute_routes_only_never_routed_new_leads(users, arrive, django_capture_on_commit_callbacks):
    unrouted = arrive(industry="Retail")
    closed = lead_create(actor=users["admin"], data={"last_name": "Closed", "industry": "Retail", "status": "unqualified"})
    rule(users["admin"], "Retail", when("industry", "equals", "retail"), owner_id=users["south_rep"].pk)
    with pytest.raises(PermissionDenied):
        leads_reroute(actor=users["north_rep"])
    with django_capture_on_commit_callbacks(execute=True):
        result = leads_reroute(actor=users["admin"])
    assert (result.routed, result.unmatched, result.by_rule) == (1, 0, {"Retail": 1})
    unrouted.refresh_from_db()
    closed.refresh_from_db()
    assert (unrouted.owner, unrouted.routed_by) == (users["south_rep"], "Retail")
    assert (closed.owner, closed.routed_by) == (users["admin"], "")
    assert leads_reroute(actor=users["admin"]).routed == 0


PROVINCE_TEAMS = {"Jiangsu": "east", "Zhejiang": "east", "Guangdong": "south", "Fujian": "south", "Sichuan": "west"}


def test_trade_show_500_cards_land_with_the_regional_reps(users, teams, make_user, django_capture_on_commit_callbacks, monkeypatch):
    """Story 1: 500 business cards imported in one go, spread by industry and province."""
    from rapport.core.services import team_get_or_create

    admin = users["admin"]
    east = team_get_or_create(slug="east", name="East")
    west = team_get_or_create(slug="west", name="West")
    east_reps = [make_user(f"e{i}", team=east) for i in range(3)]
    make_user("w0", team=west)
    south_reps = [users["south_rep"], make_user("s1", team=teams["south"])]
    rule(admin, "Energy key accounts", when("industry", "equals", "Energy"), owner_id=users["manager"].pk)
    rule(admin, "East China", when("region", "in", ["Jiangsu", "Zhejiang"]), team_id=east.pk)
    rule(admin, "South China", when("region", "in", ["Guangdong", "Fujian"]), team_id=south_reps[0].team_id, distribution="least_loaded")
    rule(admin, "West", when("region", "startswith", "Si"), team_id=west.pk)
    provinces = [*PROVINCE_TEAMS, "Hainan"]
    industries = ["Manufacturing", "Retail", "Energy", "Logistics"]
    cards = [
        {"last_name": f"Card{i}", "company": f"Co {i}", "industry": industries[i % 4], "region": provinces[i % 6], "source": "Trade show"}
        for i in range(500)
    ]
    rule_reads = []

    def count_rule_reads(execute, sql, params, many, context):
        if 'FROM "sales_assignmentrule"' in sql:
            rule_reads.append(sql)
        return execute(sql, params, many, context)

    # However slow the machine, the cached rules must not expire during the import.
    monkeypatch.setattr(assignment, "CACHE_SECONDS", 3600)
    with connection.execute_wrapper(count_rule_reads), django_capture_on_commit_callbacks(execute=True):
        for card in cards:
            lead_create(actor=users["admin"], data=card, via="import")
    leads = list(Lead.objects.select_related("owner").order_by("id"))
    assert len(leads) == 500
    expected_rule = {
        "east": "East China",
        "south": "South China",
        "west": "West",
    }
    for lead in leads:
        if lead.industry == "Energy":
            assert (lead.owner, lead.routed_by) == (users["manager"], "Energy key accounts")
        elif lead.region == "Hainan":
            assert (lead.owner, lead.routed_by) == (users["admin"], "")
        else:
            team = PROVINCE_TEAMS[lead.region]
            assert (lead.owner.team.slug, lead.routed_by) == (team, expected_rule[team])
    per_owner = Counter(lead.owner for lead in leads if lead.routed_by)
    # Round robin and least loaded both spread evenly when everyone starts at zero.
    for reps, team in ((east_reps, "east"), (south_reps, "south")):
        cards_for_team = sum(1 for c in cards if c["industry"] != "Energy" and PROVINCE_TEAMS.get(c["region"]) == team)
        counts = [per_owner[r] for r in reps]
        assert sum(counts) == cards_for_team and max(counts) - min(counts) <= 1, (team, counts)
    todos = Counter(Activity.objects.values_list("owner_id", flat=True))
    assert todos == Counter({owner.pk: n for owner, n in per_owner.items()})
    assert set(Activity.objects.values_list("lead_id", flat=True)) == {lead.pk for lead in leads if lead.routed_by}
    # The rules were read once for the whole import, not once per card.
    assert len(rule_reads) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers on a real server")
def test_leads_arriving_together_go_round_the_team_without_doubling_up(users, east):
    """The rule's state row is locked while a lead is given out: six at once land two per rep."""
    import threading

    team, reps = east
    rule(users["admin"], "East", [], team_id=team.pk, create_follow_up=False)
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def arrive_now(index: int) -> None:
        try:
            barrier.wait()
            lead_create(actor=users["admin"], data={"last_name": f"Rush {index}"}, via="api")
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive_now, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Counter(Lead.objects.values_list("owner_id", flat=True)) == Counter({r.pk: 2 for r in reps})
    assert AssignmentState.objects.get().assigned_count == 6
