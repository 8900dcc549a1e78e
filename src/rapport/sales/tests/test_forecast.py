"""Forecast, funnel and cost analysis checked against numbers worked out by hand.

Base currency CNY; 1 USD = 7.0 CNY from 1 January 2026 and 7.2 from 1 March
(a period converts at the rate of its first day).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from rapport.common.errors import NotFound, PermissionDenied
from rapport.core.services import exchange_rate_set
from rapport.sales import deal_services, services
from rapport.sales.cost_analysis import cost_analysis
from rapport.sales.forecast import forecast
from rapport.sales.funnel import funnel
from rapport.sales.models import Opportunity, StageChange
from rapport.sales.quotas import quota_set

MARCH, APRIL, JULY = dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 7, 1)


@pytest.fixture
def rates(users, settings):
    settings.RAPPORT_BASE_CURRENCY = "CNY"
    exchange_rate_set(actor=users["admin"], currency="USD", rate_to_base=D("7.0"), valid_from=dt.date(2026, 1, 1))
    exchange_rate_set(actor=users["admin"], currency="USD", rate_to_base=D("7.2"), valid_from=MARCH)


def _move(user, deal, stage, **kw):
    deal.refresh_from_db()
    return services.opportunity_move_stage(actor=user, opportunity=deal, stage_id=stage.pk, expected_version=deal.version, **kw)


@pytest.fixture
def march_book(users, rates, make_deal, stages, make_account):
    a, b = users["north_rep"], users["north_rep2"]
    make_deal(a, amount="10000", expected_close_date="2026-03-10", stage_id=stages["Proposal"].pk)
    make_deal(a, amount="20000", expected_close_date="2026-03-20", stage_id=stages["Negotiation"].pk)
    make_deal(
        a,
        amount="1000",
        currency="USD",
        expected_close_date="2026-03-05",
        stage_id=stages["Qualification"].pk,
        forecast_category="best_case",
    )
    _move(a, make_deal(a, amount="5000", expected_close_date="2026-03-31"), stages["Won"], closed_on=dt.date(2026, 3, 15))
    make_deal(a, amount="8000", expected_close_date="2026-03-25", stage_id=stages["Proposal"].pk, forecast_category="omitted")
    make_deal(b, amount="2000", currency="USD", expected_close_date="2026-03-28", forecast_category="commit")
    _move(
        b,
        make_deal(b, amount="3000", expected_close_date="2026-03-30"),
        stages["Lost"],
        lost_reason="Budget cut",
        closed_on=dt.date(2026, 3, 2),
    )
    make_deal(b, amount="4000", expected_close_date="2026-04-10", stage_id=stages["Needs analysis"].pk)
    make_deal(users["south_rep"], amount="50000", expected_close_date="2026-03-15", stage_id=stages["Negotiation"].pk)
    manager = users["manager"]
    quota_set(actor=manager, user_id=a.pk, period_start="2026-03-01", period_end="2026-03-31", amount="30000", currency="CNY")
    quota_set(actor=manager, user_id=b.pk, period_start="2026-03-01", period_end="2026-03-31", amount="2000", currency="USD")
    quota_set(actor=manager, user_id=a.pk, period_start="2026-01-01", period_end="2026-03-31", amount="100000", currency="CNY")


def _numbers(row):
    return (row.closed_won, row.commit, row.best_case, row.pipeline, row.weighted, row.quota, row.open_count, row.won_count)


def test_monthly_forecast_by_owner_for_the_manager(users, march_book):
    result = forecast(user=users["manager"], start=MARCH, end=dt.date(2026, 5, 1), period="month", group_by="owner")
    got = {(r.period, r.group_name): _numbers(r) for r in result.rows}
    assert got == {
        # won 5000; commit: the 80% deal; best: + the best-case USD deal (1000 x 7.2); weighted 6000 + 16000 + 1440; omitted left out
        ("2026-03", "north_rep"): (D(5000), D(20000), D(27200), D(37200), D(23440), D(30000), 3, 1),
        # the commit USD deal (2000 x 7.2 = 14400, weighted at 10%: 1440); quota 2000 USD = 14400; the lost deal counts nowhere
        ("2026-03", "north_rep2"): (D(0), D(14400), D(14400), D(14400), D(1440), D(14400), 1, 0),
        ("2026-04", "north_rep2"): (D(0), D(0), D(0), D(4000), D(1600), None, 1, 0),
    }
    assert [_numbers(t) for t in result.totals] == [
        (D(5000), D(34400), D(41600), D(51600), D(24880), D(44400), 4, 1),
        (D(0), D(0), D(0), D(4000), D(1600), None, 1, 0),
    ]
    assert result.rows[0].attainment == D("16.7")  # 5000 / 30000


def test_quarterly_forecast_counts_the_quarter_quota_and_converts_at_the_quarter_rate(users, march_book):
    result = forecast(user=users["manager"], start=dt.date(2026, 1, 1), end=JULY, period="quarter", group_by="none")
    # Q1 at 7.0: commit 20000 + 14000; best + 7000; pipeline + 10000; weighted 6000 + 16000 + 1400 + 1400
    # quota: rep a's Q1 quota 100000 (their March quota lies inside it: counted once, by the quarter) + rep b's 14000 (2000 USD)
    assert [(r.period, _numbers(r)) for r in result.rows] == [
        ("2026-Q1", (D(5000), D(34000), D(41000), D(51000), D(24800), D(114000), 4, 1)),
        ("2026-Q2", (D(0), D(0), D(0), D(4000), D(1600), None, 1, 0)),
    ]


def test_a_rep_sees_only_their_own_forecast(users, march_book):
    result = forecast(user=users["north_rep2"], start=MARCH, end=APRIL, group_by="team")
    assert [(r.group_name, r.pipeline, r.quota) for r in result.rows] == [("North", D(14400), D(14400))]


def test_quotas_are_set_by_the_manager_of_the_rep(users, rates):
    with pytest.raises(PermissionDenied):
        quota_set(
            actor=users["north_rep"],
            user_id=users["north_rep"].pk,
            period_start="2026-03-01",
            period_end="2026-03-31",
            amount="1",
            currency="CNY",
        )
    with pytest.raises(NotFound):
        quota_set(
            actor=users["manager"],
            user_id=users["south_rep"].pk,
            period_start="2026-03-01",
            period_end="2026-03-31",
            amount="1",
            currency="CNY",
        )
    first = quota_set(
        actor=users["admin"], user_id=users["south_rep"].pk, period_start="2026-03-01", period_end="2026-03-31", amount="1", currency="CNY"
    )
    again = quota_set(
        actor=users["admin"], user_id=users["south_rep"].pk, period_start="2026-03-01", period_end="2026-03-31", amount="9", currency="CNY"
    )
    assert (again.pk, again.amount) == (first.pk, D(9))


def test_funnel_counts_conversion_days_in_stage_and_win_rate(users, make_deal, stages, pipeline, django_assert_max_num_queries):
    rep = users["north_rep"]
    d1, d2, _d3, d4 = (make_deal(rep, amount=str(1000 * i)) for i in range(1, 5))
    for stage in ("Qualification", "Proposal", "Won"):
        _move(rep, d1, stages[stage])
    _move(rep, d2, stages["Qualification"])
    _move(rep, d2, stages["Lost"], lost_reason="No budget")
    _move(rep, d4, stages["Needs analysis"])
    day = 86400
    for deal, stage, seconds in ((d1, "Prospecting", 2 * day), (d2, "Prospecting", 4 * day), (d4, "Prospecting", 6 * day)):
        StageChange.objects.filter(opportunity=deal, from_stage=stages[stage]).update(seconds_in_previous=seconds)
    for deal, stage, seconds in ((d1, "Qualification", day), (d2, "Qualification", 3 * day), (d1, "Proposal", day // 2)):
        StageChange.objects.filter(opportunity=deal, from_stage=stages[stage]).update(seconds_in_previous=seconds)
    make_deal(users["south_rep"])  # not visible to the rep: not in the cohort

    today = dt.date.today()
    # The stages, one pass over the cohort and one over its stage changes (rates too, for another currency).
    with django_assert_max_num_queries(3):
        result = funnel(user=rep, pipeline=pipeline, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=2))
    rows = {s.stage.name: (s.open_count, s.open_value, s.reached, s.conversion, s.avg_days) for s in result.stages}
    assert rows == {
        "Prospecting": (1, D(3000), 4, None, D("4.0")),  # (2 + 4 + 6) / 3 days
        "Qualification": (0, D(0), 3, D("75.0"), D("2.0")),  # d1, d2 and d4 (skipped past it); (1 + 3) / 2 days
        "Needs analysis": (1, D(4000), 2, D("66.7"), None),
        "Proposal": (0, D(0), 1, D("50.0"), D("0.5")),
        "Negotiation": (0, D(0), 1, D("100.0"), None),
        "Won": (0, D(0), 1, D("100.0"), None),
        "Lost": (0, D(0), 0, None, None),
    }
    assert (result.created, result.won, result.lost, result.won_value, result.win_rate) == (4, 1, 1, D(1000), D("50.0"))


def test_cost_analysis_per_rep_source_and_won_deal(users, rates, make_deal, stages):
    a, b = users["north_rep"], users["north_rep2"]
    w1 = make_deal(a, name="W1", amount="10000", source="trade show")
    w2 = make_deal(a, name="W2", amount="5000", source="web")
    wb = make_deal(b, name="WB", amount="20000", source="trade show")
    open_deal = make_deal(a, name="Open", amount="1", source="web")
    for deal, day in ((w1, 10), (w2, 20), (wb, 12)):
        _move(deal.owner, deal, stages["Won"], closed_on=dt.date(2026, 3, day))
    for deal, kind, amount, currency, day in (
        (w1, "travel", "500", "CNY", "2026-03-03"),
        (w1, "demo", "100", "USD", "2026-03-04"),  # 720 CNY at March's rate
        (w1, "samples", "999", "CNY", "2026-02-20"),  # before the period
        (w2, "samples", "300", "CNY", "2026-03-05"),
        (wb, "entertainment", "1000", "CNY", "2026-03-06"),
        (open_deal, "travel", "200", "CNY", "2026-03-07"),
    ):
        deal_services.sales_cost_add(
            actor=deal.owner, opportunity=Opportunity.objects.get(pk=deal.pk), kind=kind, amount=amount, currency=currency, incurred_on=day
        )

    def table(group_by):
        result = cost_analysis(user=users["manager"], start=MARCH, end=APRIL, group_by=group_by)
        return {r.name: (r.cost, r.won_deals, r.won_value, r.cost_per_won_deal, r.cost_share) for r in result.rows}, result.total

    by_owner, total = table("owner")
    assert by_owner == {
        "north_rep": (D(1720), 2, D(15000), D("860.00"), D("11.5")),  # 500 + 720 + 300 + 200
        "north_rep2": (D(1000), 1, D(20000), D("1000.00"), D("5.0")),
    }
    assert (total.cost, total.won_deals, total.won_value) == (D(2720), 3, D(35000))
    assert table("source")[0] == {
        "trade show": (D(2220), 2, D(30000), D("1110.00"), D("7.4")),
        "web": (D(500), 1, D(5000), D("500.00"), D("10.0")),
    }
    # Per won deal: all its costs, whenever spent
    assert {name: row[0] for name, row in table("deal")[0].items()} == {"W1": D(2219), "WB": D(1000), "W2": D(300)}
