"""Executive dashboards against figures worked out by hand, through the selectors, the page and the API.

Sales (all CNY, today 2026-03-20, this quarter = Q1 2026):

    north_rep   10,000 Proposal (60 %) closing 03-10; 20,000 Negotiation (80 %) closing 03-20; 5,000 won on 03-15
    north_rep2   3,000 lost on 03-02; 4,000 Needs analysis (40 %) closing 04-10
    south_rep   50,000 Negotiation (80 %) closing 03-15
    quota       north_rep 30,000 for March

Customers: the hand-worked warehouse of ``warehouse_data`` (accounts 1-3 north rep's, 4-6 south rep's),
today 2025-06-30, this quarter = Q2 2025.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.dashboards import Period
from rapport.analytics.dashboards.registry import BOARDS, dashboard_for_user
from rapport.analytics.models import CareTask
from rapport.analytics.tests.warehouse_data import LINES, write_warehouse
from rapport.common.errors import ValidationFailed
from rapport.common.testing import signed_in
from rapport.customers.activities import activity_complete, activity_create
from rapport.customers.profiles import customer_profiles_write
from rapport.customers.services import account_create, contact_create, interaction_log, lead_create
from rapport.sales import services as sales_services
from rapport.sales.models import Pipeline
from rapport.sales.quotas import quota_set

pytestmark = pytest.mark.django_db

SALES_TODAY = dt.date(2026, 3, 20)
SHOP_TODAY = dt.date(2025, 6, 30)


def _tiles(board: Any) -> dict[str, Any]:
    return {t.key: t.value for t in board.tiles}


def _chart(board: Any, key: str) -> Any:
    return next(c for c in board.charts if c.key == key)


@pytest.mark.parametrize(
    ("key", "start", "last", "today"),
    [
        ("month", dt.date(2026, 11, 1), dt.date(2026, 11, 30), dt.date(2026, 11, 23)),
        ("quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2026, 11, 23)),
        ("year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 11, 23)),
        ("12m", dt.date(2025, 12, 1), dt.date(2026, 11, 30), dt.date(2026, 11, 23)),
        (None, dt.date(2025, 12, 1), dt.date(2026, 11, 30), dt.date(2026, 11, 23)),
        # Across the turn of the year
        ("quarter", dt.date(2027, 1, 1), dt.date(2027, 3, 31), dt.date(2027, 1, 5)),
        ("12m", dt.date(2026, 2, 1), dt.date(2027, 1, 31), dt.date(2027, 1, 5)),
        ("month", dt.date(2026, 12, 1), dt.date(2026, 12, 31), dt.date(2026, 12, 31)),
    ],
)
def test_periods(key: str | None, start: dt.date, last: dt.date, today: dt.date) -> None:
    period = Period.of(key, today=today)
    assert (period.start, period.last) == (start, last)
    months = period.months()
    assert len(months) == {"month": 1, "quarter": 3, "year": 12}.get(key or "12m", 12)
    assert (months[0], months[-1]) == (start, last.replace(day=1))


def test_an_unknown_period_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Period.of("fortnight", today=SALES_TODAY)
    assert "period" in caught.value.field_errors


@pytest.fixture
def book(users: dict[str, Any], settings: Any) -> None:
    settings.RAPPORT_BASE_CURRENCY = "CNY"
    sales_services.sales_setup()
    pipeline = Pipeline.objects.get(name="New business")
    stages = {s.name: s for s in pipeline.stages.all()}

    def deal(owner: Any, amount: str, closing: str, stage: str = "Prospecting") -> Any:
        account = account_create(actor=owner, data={"name": f"Account {amount}"})
        data = {"name": "Deal", "account_id": account.pk, "amount": amount, "currency": "CNY", "expected_close_date": closing}
        return sales_services.opportunity_create(actor=owner, data={**data, "stage_id": stages[stage].pk}, via="test")

    def close(owner: Any, record: Any, stage: str, on: dt.date, **kw: Any) -> None:
        record.refresh_from_db()
        sales_services.opportunity_move_stage(
            actor=owner, opportunity=record, stage_id=stages[stage].pk, expected_version=record.version, closed_on=on, **kw
        )

    a, b, s = users["north_rep"], users["north_rep2"], users["south_rep"]
    deal(a, "10000", "2026-03-10", "Proposal")
    deal(a, "20000", "2026-03-20", "Negotiation")
    close(a, deal(a, "5000", "2026-03-31"), "Won", dt.date(2026, 3, 15))
    close(b, deal(b, "3000", "2026-03-30"), "Lost", dt.date(2026, 3, 2), lost_reason="Budget cut")
    deal(b, "4000", "2026-04-10", "Needs analysis")
    deal(s, "50000", "2026-03-15", "Negotiation")
    quota_set(actor=users["manager"], user_id=a.pk, period_start="2026-03-01", period_end="2026-03-31", amount="30000", currency="CNY")


def test_sales_dashboard_for_an_analyst_counts_the_whole_base(
    users: dict[str, Any], book: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        board = dashboard_for_user(user=users["analyst"], name="sales", period="quarter", today=SALES_TODAY)
    assert board.whole_base and board.currency == "CNY"
    assert _tiles(board) == {
        "pipeline": 84000.0,
        "won": 5000.0,
        "win_rate": 50.0,
        "forecast": 75000.0,  # won 5,000 + committed (80 % stages) 20,000 + 50,000
        "weighted": 62000.0,  # 6,000 + 16,000 + 40,000; the April deal is next quarter's
        "attainment": 16.7,  # 5,000 of 30,000
    }
    stages = _chart(board, "pipeline_by_stage")
    assert stages.categories == ["Needs analysis", "Proposal", "Negotiation"]
    assert stages.series[0]["data"] == [4000.0, 10000.0, 70000.0]
    won = _chart(board, "won_by_month")
    assert won.categories == ["2026-01", "2026-02", "2026-03"]
    assert [s["data"] for s in won.series] == [[0.0, 0.0, 5000.0], [None, None, 30000.0]]
    assert _chart(board, "top_reps").series[0]["data"] == [5000.0]


def test_sales_dashboard_for_a_manager_is_the_team_and_for_a_rep_their_own(users: dict[str, Any], book: None) -> None:
    manager = _tiles(dashboard_for_user(user=users["manager"], name="sales", period="quarter", today=SALES_TODAY))
    assert (manager["pipeline"], manager["forecast"], manager["weighted"], manager["win_rate"]) == (34000.0, 25000.0, 22000.0, 50.0)
    rep = _tiles(dashboard_for_user(user=users["north_rep"], name="sales", period="quarter", today=SALES_TODAY))
    assert (rep["pipeline"], rep["won"], rep["win_rate"]) == (30000.0, 5000.0, 100.0)
    south = dashboard_for_user(user=users["south_rep"], name="sales", period="quarter", today=SALES_TODAY)
    assert not south.whole_base
    assert (_tiles(south)["pipeline"], _tiles(south)["win_rate"], _tiles(south)["attainment"]) == (50000.0, None, None)


@pytest.fixture
def shop(users: dict[str, Any], settings: Any, tmp_path: Path) -> dict[int, Any]:
    owners = {n: users["north_rep"] if n <= 3 else users["south_rep"] for n in range(1, 7)}
    accounts = {n: account_create(actor=owners[n], data={"name": f"Account {n}"}) for n in range(1, 7)}
    settings.RAPPORT_WAREHOUSE_DIR = write_warehouse(tmp_path, [(accounts[a].pk, o, d, m) for a, o, d, m in LINES])
    scored = datetime(2025, 6, 30, tzinfo=UTC)
    rows = [
        {"account_id": accounts[1].pk, "rfm_segment": "champions", "clv": Decimal("150"), "churn_band": "low", "is_vip": True},
        {"account_id": accounts[3].pk, "rfm_segment": "cant_lose", "clv": Decimal("6000"), "churn_band": "high", "is_vip": False},
        {"account_id": accounts[4].pk, "rfm_segment": "lost", "clv": Decimal("20"), "churn_band": "high", "is_vip": False},
    ]
    customer_profiles_write(rows=rows, scored_at=scored, via="analytics")
    return accounts


def test_customers_dashboard_from_the_warehouse_and_the_profiles(users: dict[str, Any], shop: dict[int, Any]) -> None:
    board = dashboard_for_user(user=users["analyst"], name="customers", period="quarter", today=SHOP_TODAY)
    assert board.warehouse_version
    # Active in Q2: accounts 1, 2, 3, 5; new: 1 (May) and 2 (June); lost: 6, 90 days after 2025-03-20 (June).
    assert _tiles(board) == {"active": 4, "new": 2, "lost": 1, "vip": 1, "high_risk": 2, "scored": 3}
    flow = _chart(board, "new_vs_lost")
    assert flow.categories == ["2025-04", "2025-05", "2025-06"]
    assert [s["data"] for s in flow.series] == [[0, 1, 1], [0, 0, -1]]
    mix = _chart(board, "rfm_mix")
    assert dict(zip(mix.categories, mix.series[0]["data"], strict=True)) == {"Champions": 1, "Can't lose them": 1, "Lost": 1}
    assert _chart(board, "clv").series[0]["data"] == [1, 1, 0, 0, 1, 0, 0]
    assert _chart(board, "churn_bands").series[0]["data"] == [2, 0, 1]
    cohorts = _chart(board, "cohorts")
    assert cohorts.rows == ["2024-07", "2025-01", "2025-03", "2025-05", "2025-06"]
    assert [2, 2, 50.0] in cohorts.series[0]["data"]  # March's two new customers: one bought again in May


def test_customers_dashboard_of_a_rep_counts_their_accounts_only(users: dict[str, Any], shop: dict[int, Any]) -> None:
    board = dashboard_for_user(user=users["north_rep"], name="customers", period="quarter", today=SHOP_TODAY)
    assert _tiles(board) == {"active": 3, "new": 2, "lost": 0, "vip": 1, "high_risk": 1, "scored": 2}


def test_customers_dashboard_before_the_first_build(users: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    board = dashboard_for_user(user=users["analyst"], name="customers")
    assert board.awaiting_warehouse and board.charts == []
    assert all(t.value is None for t in board.tiles)
    html = signed_in(users["analyst"]).get(reverse("analytics:dashboard_customers")).content.decode()
    assert "No warehouse yet" in html


def test_service_dashboard_counts_the_timeline_and_the_care_calls(users: dict[str, Any]) -> None:
    rep, south = users["north_rep"], users["south_rep"]
    mine = account_create(actor=rep, data={"name": "Mine"})
    theirs = account_create(actor=south, data={"name": "Theirs"})
    for channel, direction in (("phone", "inbound"), ("phone", "inbound"), ("email", "outbound")):
        interaction_log(actor=rep, channel=channel, direction=direction, subject="Hello", account_id=mine.pk)
    interaction_log(actor=south, channel="chat", subject="Hi", account_id=theirs.pk)
    call = activity_create(actor=rep, kind="call", subject="Care call", account_id=mine.pk, due_at="2026-06-30T09:00:00+00:00")
    activity_complete(actor=rep, activity=call, expected_version=call.version)
    CareTask.objects.create(account=mine, window_start=dt.date.today(), activity=call, assigned_to=rep, churn_risk=0.7)
    from django.utils import timezone

    from rapport.service.cases import case_open, case_resolve
    from rapport.service.models import Case

    late = case_open(actor=users["agent"], data={"subject": "Broken", "account_id": mine.pk, "kind": "complaint"})
    quick = case_open(actor=users["agent"], data={"subject": "Manual?", "account_id": mine.pk})
    case_open(actor=users["agent"], data={"subject": "Theirs", "account_id": theirs.pk})
    case_resolve(actor=users["agent"], case=quick, resolution="Sent")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    board = dashboard_for_user(user=users["analyst"], name="service", period="month")
    tiles = _tiles(board)
    # Opening a case notes it on the timeline as Rapport's own (outbound, "Automatic"): not a contact with the customer.
    assert (tiles["inbound"], tiles["outbound"], tiles["care_planned"], tiles["care_done"], tiles["kept"]) == (3, 1, 1, 1, None)
    assert (tiles["cases_opened"], tiles["complaints"], tiles["resolved_in_time"], tiles["past_due"]) == (3, 1, 100.0, 1)
    channels = _chart(board, "by_channel")
    assert channels.categories == ["Phone", "Email", "Chat"]
    assert [s["data"] for s in channels.series] == [[2, 0, 1], [0, 1, 0]]
    assert tiles["csat"] is None  # no answer yet: a dash, never 0%
    own = _tiles(dashboard_for_user(user=users["south_rep"], name="service", period="month"))
    assert (own["inbound"], own["outbound"], own["care_done"]) == (1, 0, 0)
    assert (own["cases_opened"], own["complaints"], own["past_due"]) == (1, 0, 0)


def test_marketing_dashboard_counts_consent_and_leads(users: dict[str, Any]) -> None:
    rep = users["north_rep"]
    contact_create(actor=rep, data={"last_name": "A", "consent_email": True, "consent_phone": True})
    contact_create(actor=rep, data={"last_name": "B", "consent_email": True})
    contact_create(actor=rep, data={"last_name": "C"})
    contact_create(actor=rep, data={"last_name": "D", "consent_letter": True})
    for source in ("trade show", "trade show", "web form"):
        lead_create(actor=rep, data={"last_name": "Lead", "company": "Co", "source": source})
    board = dashboard_for_user(user=users["marketer"], name="marketing", period="month")
    tiles = _tiles(board)
    assert (tiles["contacts"], tiles["consent_email"], tiles["consent_phone"], tiles["consent_letter"]) == (4, 50.0, 25.0, 25.0)
    assert (tiles["new_leads"], tiles["converted"]) == (3, 0.0)
    sources = _chart(board, "leads_by_source")
    assert (sources.categories, sources.series[0]["data"]) == (["trade show", "web form"], [2, 1])
    assert _tiles(dashboard_for_user(user=users["south_rep"], name="marketing", period="month"))["contacts"] == 0


def test_marketing_dashboard_shows_what_campaigns_cost_and_brought_in(users: dict[str, Any]) -> None:
    from rapport.marketing.campaigns import campaign_cost_add, campaign_create
    from rapport.marketing.responses import response_record
    from rapport.sales.models import Order
    from rapport.sales.orders import order_place

    rep, marketer = users["north_rep"], users["marketer"]
    today = timezone.localdate()
    buyer = contact_create(actor=rep, data={"last_name": "Buyer", "account_id": account_create(actor=rep, data={"name": "Acme"}).pk})
    mailing = campaign_create(actor=marketer, data={"name": "Mailing", "kind": "letter", "starts_on": today, "currency": "CNY"})
    campaign_cost_add(actor=marketer, campaign=mailing, data={"description": "Postage", "spent_on": today, "amount": "100"})
    response_record(actor=marketer, campaign=mailing, data={"kind": "replied", "contact_id": buyer.pk, "responded_on": today})
    order = order_place(
        actor=rep, data={"account_id": buyer.account_id, "currency": "CNY", "lines": [{"description": "Service", "unit_price": "300.00"}]}
    )
    Order.objects.filter(pk=order.pk).update(ordered_on=today)
    board = dashboard_for_user(user=users["south_rep"], name="marketing", period="month")
    tiles = _tiles(board)
    assert (tiles["campaign_spend"], tiles["campaign_responses"], tiles["campaign_return"]) == (100.0, 1, 200.0)
    returns = _chart(board, "campaign_returns")
    assert (returns.categories, [s["data"] for s in returns.series]) == (["Mailing"], [[100.0], [300.0]])
    assert sum(_chart(board, "responses_by_month").series[0]["data"]) == 1
    assert board.pending == []


@pytest.mark.parametrize("name", list(BOARDS))
def test_each_dashboard_page_and_api_answer(users: dict[str, Any], name: str, settings: Any, tmp_path: Path, api_for: Any) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    client = signed_in(users["manager"])
    response = client.get(reverse(f"analytics:dashboard_{name}"), {"period": "year"})
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert [c["key"] for c in data["charts"]] == [c.key for c in dashboard_for_user(user=users["manager"], name=name, period="year").charts]
    assert 'aria-selected="true"' in html and "analytics/dashboards.js" in html
    bad = client.get(reverse(f"analytics:dashboard_{name}"), {"period": "fortnight"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.content.decode()
    api = api_for(users["manager"])
    answer = api.get(f"analytics/dashboards/{name}", {"period": "year"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["name"] == name and answer.json()["period"]["key"] == "year"
    refused = api.get(f"analytics/dashboards/{name}", {"period": "fortnight"})
    assert refused.status_code == 422 and "period" in refused.json()["errors"]


def test_dashboard_page_in_chinese(users: dict[str, Any], book: None) -> None:
    users["analyst"].language = "zh-hans"
    users["analyst"].save(update_fields=["language"])
    html = signed_in(users["analyst"]).get(reverse("analytics:dashboard_sales")).content.decode()
    assert "仪表板" in html and "赢单率" in html
    # Amounts are grouped by thousands as Chinese invoices write them, not Django's 4-digit, unseparated default.
    assert re.search(r'<span class="money">\d{1,3}(,\d{3})+</span>', html), "a tile amount with thousands separators"


def test_a_new_period_swaps_only_the_figures(users: dict[str, Any], book: None) -> None:
    client = signed_in(users["manager"])
    url = reverse("analytics:dashboard_sales")
    swap = client.get(url, {"period": "year"}, headers={"HX-Request": "true", "HX-Target": "dashboard-body"})
    html = swap.content.decode()
    assert swap.status_code == 200 and html.lstrip().startswith('<div id="dashboard-body"')
    assert "<html" not in html and 'id="dashboard-data"' in html and 'data-tile="' in html
    assert f'href="{url}?period=year" aria-selected="true"' in html, "the tabs keep the chosen period"
    full = client.get(url, {"period": "year"}).content.decode()
    assert full.count('id="dashboard-body"') == 1 and "<html" in full


def test_sales_dashboard_page_query_budget(users: dict[str, Any], book: None, django_assert_max_num_queries: Any) -> None:
    client = signed_in(users["manager"])
    client.get(reverse("analytics:dashboard_sales"))
    with django_assert_max_num_queries(16):
        assert client.get(reverse("analytics:dashboard_sales")).status_code == 200
