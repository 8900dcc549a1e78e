"""Contracts over REST: create, filters ("ending within"), optimistic concurrency, renew, terminate, who sees what."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(users, make_account):
    return make_account(users["north_rep"], "华星上海")


# Contracts run for the calendar year that holds today, in the reps' time zone, so that "next term" is always ahead.
TODAY = timezone.localdate(timezone=zoneinfo.ZoneInfo("Asia/Shanghai"))
YEAR, NEXT = TODAY.year, TODAY.year + 1


def _body(account, **extra):
    return {
        "title": "年度维护合同",
        "account_id": account.pk,
        "start_date": f"{YEAR}-01-01",
        "end_date": f"{YEAR}-12-31",
        "value": "120000.00",
        "currency": "CNY",
        **extra,
    }


def _count():
    from rapport.sales.models import Contract

    return Contract.objects.count()


def test_a_contract_is_created_numbered_and_read_back(users, api_for, account):
    api = api_for(users["north_rep"])
    response = api.post("contracts", _body(account, auto_renew=True, reminder_days=45))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["status"], body["value"], body["owner_id"], body["reminder_days"], body["auto_renew"]) == (
        f"CT-{body['id']:06d}",
        "active",
        "120000.00",
        users["north_rep"].pk,
        45,
        True,
    )
    assert api.get(f"contracts/{body['id']}").json()["title"] == "年度维护合同"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": f"{YEAR - 1}-12-31"}, "end_date"),
        ({"currency": "XXX"}, "currency"),
        ({"value": "-1.00"}, "value"),
        ({"title": "  "}, "title"),
        ({"status": "ended"}, "status"),
        ({"owner_id": 1}, "owner_id"),
        ({"notice_days": -1}, "notice_days"),
        ({"version": 3}, "version"),
    ],
)
def test_bad_input_is_named_and_nothing_is_stored(users, api_for, account, change, field):
    response = api_for(users["north_rep"]).post("contracts", _body(account, **change))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert _count() == 0


def test_an_account_the_caller_cannot_see_is_refused(users, api_for, make_account):
    hidden = make_account(users["south_rep"], "Southern secret")
    response = api_for(users["north_rep"]).post("contracts", _body(hidden))
    assert (response.status_code, list(response.json()["errors"])) == (422, ["account_id"])
    assert _count() == 0


def test_the_list_filters_by_ending_within_and_hides_other_peoples_contracts(users, api_for, account, make_account):
    api = api_for(users["north_rep"])
    today = timezone.localdate()
    soon = api.post("contracts", _body(account, title="Soon", start_date="2020-01-01", end_date=str(today + dt.timedelta(days=20)))).json()
    later = api.post(
        "contracts", _body(account, title="Later", start_date="2020-01-01", end_date=str(today + dt.timedelta(days=200)))
    ).json()
    api.post(
        "contracts", _body(account, title="Draft soon", status="draft", start_date="2020-01-01", end_date=str(today + dt.timedelta(days=5)))
    )
    south_account = make_account(users["south_rep"], "South Co")
    api_for(users["south_rep"]).post("contracts", _body(south_account, start_date="2020-01-01", end_date=str(today + dt.timedelta(days=3))))
    assert [c["id"] for c in api.get("contracts", {"ending_within": 30}).json()["items"]] == [soon["id"]]
    first = api.get("contracts", {"limit": 2, "status": "active"}).json()
    assert [c["id"] for c in first["items"]] == [soon["id"], later["id"]]
    assert [c["title"] for c in api.get("contracts", {"q": "later"}).json()["items"]] == ["Later"]
    assert api.get("contracts", {"ending_within": -1}).status_code == 422
    assert "status" in api.get("contracts", {"status": "lost"}).json()["errors"]
    assert len(api_for(users["manager"]).get("contracts").json()["items"]) == 3
    assert api_for(users["south_rep"]).get(f"contracts/{soon['id']}").status_code == 404


def test_a_stale_version_is_refused_and_nothing_is_lost(users, api_for, account):
    api = api_for(users["north_rep"])
    created = api.post("contracts", _body(account)).json()
    first = api.patch(f"contracts/{created['id']}", {"value": "130000.00"}, headers={"If-Match": '"1"'})
    assert (first.status_code, first.json()["version"], first.json()["value"]) == (200, 2, "130000.00")
    stale = api.patch(f"contracts/{created['id']}", {"title": "Mine"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert api.patch(f"contracts/{created['id']}", {"end_date": "2025-01-01", "version": 2}).json()["errors"].keys() == {"end_date"}
    stored = api.get(f"contracts/{created['id']}").json()
    assert (stored["title"], stored["value"], stored["version"], stored["end_date"]) == ("年度维护合同", "130000.00", 2, f"{YEAR}-12-31")


def test_renew_starts_the_next_term_and_terminate_ends_it(users, api_for, account):
    api = api_for(users["north_rep"])
    created = api.post("contracts", _body(account)).json()
    renewed = api.post(f"contracts/{created['id']}/renew", {"value": "125000.00"}).json()
    # The next term starts the day after this one ends and lasts as long (a leap year makes it a day longer or shorter).
    length = dt.date(YEAR, 12, 31) - dt.date(YEAR, 1, 1)
    assert (renewed["start_date"], renewed["end_date"], renewed["value"], renewed["version"]) == (
        f"{NEXT}-01-01",
        str(dt.date(NEXT, 1, 1) + length),
        "125000.00",
        2,
    )
    assert api.post(f"contracts/{created['id']}/renew", {"end_date": f"{NEXT}-06-30"}).json()["errors"].keys() == {"end_date"}
    assert api.post(f"contracts/{created['id']}/terminate", {"ended_on": f"{YEAR}-01-01"}).json()["errors"].keys() == {"ended_on"}
    assert api.post(f"contracts/{created['id']}/terminate", {"ended_on": f"{NEXT}-03-31", "version": 1}).status_code == 409
    ended = api.post(f"contracts/{created['id']}/terminate", {"ended_on": f"{NEXT}-03-31"}).json()
    assert (ended["status"], ended["end_date"]) == ("cancelled", f"{NEXT}-03-31")
    assert api.post(f"contracts/{created['id']}/terminate").status_code == 409
    assert api.post(f"contracts/{created['id']}/renew").status_code == 409
    assert api.patch(f"contracts/{created['id']}", {"status": "active"}).json()["errors"].keys() == {"status"}


def test_a_lapsed_contract_renews_from_today_never_into_the_past(users, api_for, account):
    api = api_for(users["north_rep"])
    lapsed_end = TODAY - dt.timedelta(days=100)
    start = lapsed_end - dt.timedelta(days=364)
    created = api.post("contracts", _body(account, start_date=str(start), end_date=str(lapsed_end))).json()
    from rapport.sales.models import Contract

    Contract.objects.filter(pk=created["id"]).update(status="ended")
    into_the_past = api.post(f"contracts/{created['id']}/renew", {"start_date": str(lapsed_end)})
    assert into_the_past.status_code == 422 and into_the_past.json()["errors"].keys() == {"start_date"}
    over_already = api.post(f"contracts/{created['id']}/renew", {"end_date": str(TODAY - dt.timedelta(days=1))})
    assert over_already.status_code == 422 and over_already.json()["errors"].keys() == {"end_date"}
    assert api.get(f"contracts/{created['id']}").json()["status"] == "ended"  # nothing changed by the refusals
    renewed = api.post(f"contracts/{created['id']}/renew").json()
    assert (renewed["status"], renewed["start_date"], renewed["end_date"]) == ("active", str(TODAY), str(TODAY + dt.timedelta(days=364)))


def test_a_renewal_may_start_later_than_the_day_after_the_end(users, api_for, account):
    api = api_for(users["north_rep"])
    created = api.post("contracts", _body(account)).json()
    later = dt.date(NEXT, 2, 1)
    renewed = api.post(f"contracts/{created['id']}/renew", {"start_date": str(later), "end_date": f"{NEXT}-12-31"}).json()
    assert (renewed["start_date"], renewed["end_date"]) == (str(later), f"{NEXT}-12-31")


def test_someone_who_cannot_see_the_contract_changes_nothing(users, api_for, account):
    created = api_for(users["north_rep"]).post("contracts", _body(account)).json()
    south = api_for(users["south_rep"])
    assert south.patch(f"contracts/{created['id']}", {"title": "Mine"}).status_code == 404
    assert south.post(f"contracts/{created['id']}/renew").status_code == 404
    assert south.post(f"contracts/{created['id']}/terminate").status_code == 404
    assert api_for(users["analyst"]).patch(f"contracts/{created['id']}", {"title": "Mine"}).status_code in (403, 404)
    stored = api_for(users["north_rep"]).get(f"contracts/{created['id']}").json()
    assert (stored["title"], stored["version"], stored["status"]) == ("年度维护合同", 1, "active")


def test_the_list_endpoint_has_a_query_budget(users, api_for, account, django_assert_max_num_queries):
    api = api_for(users["north_rep"])
    for i in range(5):
        api.post("contracts", _body(account, title=f"C{i}"))
    with django_assert_max_num_queries(8):
        assert len(api.get("contracts").json()["items"]) == 5


STATES = [
    # status, may it be renewed, may it be terminated
    ("draft", False, True),
    ("active", True, True),
    ("ended", True, False),
    ("cancelled", False, False),
]


def _in_state(account, status):
    from rapport.sales.contracts import contract_create
    from rapport.sales.models import Contract

    contract = contract_create(actor=account.owner, data=_body(account))
    Contract.objects.filter(pk=contract.pk).update(status=status)
    return Contract.objects.get(pk=contract.pk)


def test_every_status_is_either_renewable_or_says_why_not_and_likewise_for_terminate():
    from rapport.sales.contracts import NOT_RENEWED, NOT_TERMINATED, RENEWABLE, TERMINABLE
    from rapport.sales.models import ContractStatus

    assert RENEWABLE.isdisjoint(NOT_RENEWED) and RENEWABLE | set(NOT_RENEWED) == set(ContractStatus)
    assert TERMINABLE.isdisjoint(NOT_TERMINATED) and TERMINABLE | set(NOT_TERMINATED) == set(ContractStatus)
    assert {s for s, renews, _ in STATES if renews} == RENEWABLE
    assert {s for s, _, ends in STATES if ends} == TERMINABLE


@pytest.mark.parametrize(("status", "renews", "terminates"), STATES)
def test_renew_and_terminate_are_refused_with_409_outside_their_states(users, api_for, account, status, renews, terminates):
    from rapport.sales.contracts import NOT_RENEWED, NOT_TERMINATED

    api = api_for(users["north_rep"])
    for action, allowed, reasons, body in (
        ("renew", renews, NOT_RENEWED, {}),
        ("terminate", terminates, NOT_TERMINATED, {"ended_on": f"{YEAR}-06-30"}),
    ):
        contract = _in_state(account, status)
        response = api.post(f"contracts/{contract.pk}/{action}", body)
        stored = api.get(f"contracts/{contract.pk}").json()
        if allowed:
            assert response.status_code == 200, response.content
            assert (stored["status"], stored["version"]) == ("active" if action == "renew" else "cancelled", 2)
        else:
            assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
            assert (response.json()["title"], response.json()["detail"]) == ("Conflict", reasons[status])
            assert (stored["status"], stored["version"], stored["end_date"]) == (status, 1, f"{YEAR}-12-31")


@pytest.mark.parametrize(
    ("status", "said"),
    [("ended", "An ended contract is renewed, not reopened."), ("cancelled", "A terminated contract is not reopened; make a new one.")],
)
def test_an_ended_or_terminated_contract_is_not_reopened_by_editing(users, api_for, account, status, said):
    contract = _in_state(account, status)
    response = api_for(users["north_rep"]).patch(f"contracts/{contract.pk}", {"status": "active"})
    assert (response.status_code, response.json()["errors"]) == (422, {"status": [said]})
