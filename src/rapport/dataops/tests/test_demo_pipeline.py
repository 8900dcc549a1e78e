"""The demo's pipeline: what the sales manager sees on Monday (story 9) and where story 1's trade-show leads land."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from rapport.core.models import User
from rapport.customers.models import Lead
from rapport.dataops.demo import DemoPlan, load_demo
from rapport.dataops.models import DemoLoadPhase
from rapport.dataops.tasks import run_lead_import
from rapport.sales import forecast, funnel, selectors
from rapport.sales.board import board_for_user
from rapport.sales.pricing import price_for
from rapport.sales.products import price_book_list, product_list
from rapport.sales.quotes import quote_lines, quote_list_for_user

PLAN = DemoPlan(contacts=300, accounts=40, leads=60, batch_size=50, seed=7)
REPS = ("rep.north", "rep.east", "rep.south", "rep.intl")


@pytest.fixture
def loaded(db: Any) -> dt.date:
    load_demo(PLAN)
    return dt.datetime.fromisoformat(DemoLoadPhase.objects.get(phase="plan").plan["anchor"]).date()


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _new_business() -> Any:
    return next(p for p in selectors.pipeline_list() if p.kind == "new_business")


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    index = first.year * 12 + first.month + 2
    return first, dt.date(index // 12, index % 12 + 1, 1)


def test_the_managers_monday_board_forecast_and_funnel(loaded: dt.date) -> None:
    """Story 9: each rep's open deals on the board, this quarter's forecast against quota, where deals stall."""
    pipeline = _new_business()
    for username in REPS:
        rep = _user(username)
        board = board_for_user(user=rep, pipeline=pipeline, params={})
        open_cards = [card for column in board.columns if not column.stage.is_closed for card in column.cards]
        assert len(open_cards) >= 6, username
        assert {card.owner_id for card in open_cards} == {rep.pk}
        assert len({card.stage_id for card in open_cards}) == 5  # every open stage has a deal
    manager_board = board_for_user(user=_user("manager"), pipeline=pipeline, params={})
    owners = {card.owner.username for column in manager_board.columns for card in column.cards}
    assert set(REPS) <= owners
    won, lost = (next(c for c in manager_board.columns if flag(c.stage)) for flag in (lambda s: s.is_won, lambda s: s.is_lost))
    assert won.count >= 8 and lost.count >= 8

    manager = _user("manager")
    start, end = _quarter(loaded)
    result = forecast.forecast(user=manager, start=start, end=end, period="quarter", group_by="owner")
    rows = {row.group_name: row for row in result.rows}
    for username in REPS:
        row = next(r for name, r in rows.items() if name == str(_user(username)))
        assert row.commit > 0 and row.best_case >= row.commit and row.weighted > 0, username
        assert row.pipeline > row.best_case and row.open_count >= 3, username
        assert row.quota is not None and row.quota >= Decimal(3 * 150_000), username
    [total] = result.totals
    assert total.closed_won > 0 and total.attainment is not None and 0 < total.attainment < 100
    # The page the manager opens on Monday: every rep with a quota, USD deals converted to CNY.
    client = Client()
    client.force_login(manager)
    page = client.get("/sales/forecast/", {"period": "quarter", "group_by": "owner"})
    assert page.status_code == 200
    html = page.content.decode()
    for username in REPS:
        assert str(_user(username)) in html

    stalled = funnel.funnel(user=manager, pipeline=pipeline, start=loaded - dt.timedelta(days=200), end=loaded + dt.timedelta(days=1))
    open_stages = [s for s in stalled.stages if not s.stage.is_closed]
    assert all(s.open_count > 0 and s.reached > 0 for s in open_stages)
    assert all(s.avg_days is not None and s.avg_days >= 1 for s in open_stages)
    # Proposals stall longest: the funnel says where deals wait.
    assert max(open_stages, key=lambda s: s.avg_days or 0).stage.name == "Proposal"
    assert stalled.won > 0 and stalled.lost > 0 and stalled.win_rate is not None
    assert client.get("/sales/funnel/").status_code == 200


def test_a_catalogue_with_price_books_and_quotes_from_it_in_every_state_and_mr_zhangs(loaded: dt.date) -> None:
    products = {p.sku: p for p in product_list()}
    assert len(products) == 8 and products["X200"].name == "笔记本电脑 X-200" and products["X200"].tax_rate == 13
    books = {(b.currency, b.is_default) for b in price_book_list()}
    assert {("CNY", True), ("USD", True)} <= books
    cny = price_for(account=None, product=products["X200"], currency="CNY")
    assert cny is not None and cny.unit_price == Decimal("5999.00")

    quotes = quote_list_for_user(user=_user("manager"))
    assert {"draft", "sent", "accepted", "rejected", "superseded"} <= set(quotes.values_list("status", flat=True))
    assert all(q.grand_total > q.subtotal - q.discount_total > 0 for q in quotes)  # tax on every quote
    assert quotes.filter(discount_total__gt=0).exists()
    assert quotes.filter(currency="USD").exists()
    zhang = (
        quote_list_for_user(user=_user("rep.north")).filter(contact__full_name="张伟", title__startswith="X-200 报价").order_by("revision")
    )
    assert [(q.revision, q.status, q.title) for q in zhang] == [
        (1, "superseded", "X-200 报价（10台）"),
        (2, "accepted", "X-200 报价（1台）"),
    ]
    assert [(line.product.sku, line.quantity, line.unit_price) for line in quote_lines(quote=zhang[1])] == [
        ("X200", Decimal(1), Decimal("5999.00"))
    ]
    assert zhang[1].opportunity is not None and zhang[1].opportunity.status == "won"


def test_an_imported_trade_show_lead_from_beijing_lands_with_rep_north(loaded: dt.date, api_for: Any) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:王磊\r\nN:王;磊;;;\r\nORG:北京远航物流\r\nTEL;TYPE=CELL:139 1000 2000\r\n"
    card += "ADR;TYPE=WORK:;;1 Main St;Beijing;Beijing;100000;China\r\nX-INDUSTRY:Logistics\r\nEND:VCARD\r\n"
    api = api_for(_user("marketer"))  # marketing imports the show's cards; the rules hand them to the reps
    preview = api.upload("leads/imports", "expo.vcf", card.encode(), {"source": "Trade show", "dry_run": "true"})
    assert preview.status_code == 201, preview.json()
    assert api.post(f"leads/imports/{preview.json()['id']}/confirm").status_code == 200
    assert run_lead_import.call(lead_import_id=preview.json()["id"])["created"] == 1
    lead = Lead.objects.select_related("owner").get(full_name="王磊")
    assert (lead.owner.username, lead.routed_by) == ("rep.north", "North China")
