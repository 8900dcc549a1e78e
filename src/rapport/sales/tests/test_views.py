"""The sales pages: list, form, detail, board and its moves, forecast and funnel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rapport.sales.models import Opportunity, SalesCost, StageChange

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_create_form_shows_errors_at_each_field_and_stores_nothing(users, client_for, make_account, stages):
    client = client_for(users["north_rep"])
    assert client.get("/sales/opportunities/new/").status_code == 200
    response = client.post(
        "/sales/opportunities/new/", {"name": "Lifts", "currency": "CNY", "forecast_category": "pipeline", "amount": "-3"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"amount", "account_id", "expected_close_date"}
    response = client.post(
        "/sales/opportunities/new/", {"name": "Lifts", "currency": "CNY", "forecast_category": "pipeline", "amount": "30"}
    )
    assert set(response.context["form"].errors) == {"account_id", "expected_close_date"}
    assert b"field-error" in response.content
    assert Opportunity.objects.count() == 0
    account = make_account(users["north_rep"])
    response = client.post(
        "/sales/opportunities/new/",
        {
            "name": "Lifts",
            "account_id": account.pk,
            "currency": "CNY",
            "forecast_category": "commit",
            "amount": "30",
            "expected_close_date": "2026-05-01",
        },
    )
    deal = Opportunity.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/opportunities/{deal.pk}/"
    assert (deal.name, deal.amount, deal.forecast_category, deal.stage, deal.owner) == (
        "Lifts",
        Decimal(30),
        "commit",
        stages["Prospecting"],
        users["north_rep"],
    )


def test_edit_saves_only_changes_and_refuses_a_stale_form(users, client_for, make_deal):
    deal = make_deal(users["north_rep"], name="Boilers")
    client = client_for(users["north_rep"])
    form = client.get(f"/sales/opportunities/{deal.pk}/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(next_step="Site visit", version=1)
    assert client.post(f"/sales/opportunities/{deal.pk}/edit/", data).status_code == 302
    deal.refresh_from_db()
    assert (deal.next_step, deal.version) == ("Site visit", 2)
    stale = client.post(f"/sales/opportunities/{deal.pk}/edit/", {**data, "next_step": "Other", "version": 1})
    assert stale.status_code == 200 and stale.context["form"].non_field_errors()
    deal.refresh_from_db()
    assert deal.next_step == "Site visit"


def test_pages_are_404_for_who_cannot_see_the_deal(users, client_for, make_deal):
    deal = make_deal(users["north_rep"])
    outsider = client_for(users["south_rep"])
    for url in (f"/sales/opportunities/{deal.pk}/", f"/sales/opportunities/{deal.pk}/edit/"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/sales/opportunities/{deal.pk}/move/", {"stage_id": deal.stage_id + 1, "version": 1}, **HTMX).status_code == 404
    assert (
        outsider.post(
            f"/sales/opportunities/{deal.pk}/costs/", {"kind": "demo", "amount": "1", "currency": "CNY", "incurred_on": "2026-01-01"}
        ).status_code
        == 404
    )
    deal.refresh_from_db()
    assert (deal.version, SalesCost.objects.count()) == (1, 0)


def test_list_detail_and_costs(users, client_for, make_deal, django_assert_max_num_queries):
    for i in range(15):
        make_deal(users["north_rep"], name=f"Deal {i:02}")
    client = client_for(users["north_rep"])
    with django_assert_max_num_queries(12):
        response = client.get("/sales/opportunities/")
    assert [o.name for o in response.context["page"].items][:2] == ["Deal 00", "Deal 01"]
    partial = client.get("/sales/opportunities/", {"q": "Deal 1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert partial.templates[0].name == "sales/partials/opportunity_table.html"
    assert len(partial.context["page"].items) == 5
    deal = Opportunity.objects.get(name="Deal 03")
    detail = client.get(f"/sales/opportunities/{deal.pk}/")
    assert detail.status_code == 200 and b"Deal 03" in detail.content
    bad = client.post(
        f"/sales/opportunities/{deal.pk}/costs/", {"kind": "demo", "amount": "", "currency": "CNY", "incurred_on": "2026-01-01"}
    )
    assert bad.status_code == 422 and "amount" in bad.context["cost_form"].errors and bad.context["open_tab"] == "costs"
    ok = client.post(
        f"/sales/opportunities/{deal.pk}/costs/", {"kind": "demo", "amount": "45.50", "currency": "CNY", "incurred_on": "2026-01-01"}
    )
    assert ok.status_code == 302
    assert list(SalesCost.objects.values_list("amount", flat=True)) == [Decimal("45.50")]


def test_board_renders_columns_with_totals_in_constant_queries(users, client_for, make_deal, stages, django_assert_max_num_queries):
    for i in range(12):
        make_deal(users["north_rep"], amount="100", stage_id=stages["Proposal" if i % 2 else "Prospecting"].pk)
    make_deal(users["south_rep"], amount="999")
    client = client_for(users["north_rep"])
    with django_assert_max_num_queries(14):
        response = client.get("/sales/")
    columns = {c.stage.name: (c.count, c.total, len(c.cards)) for c in response.context["board"].columns}
    assert columns["Prospecting"] == (6, Decimal(600), 6)
    assert columns["Proposal"] == (6, Decimal(600), 6)
    assert columns["Won"] == (0, Decimal(0), 0)
    filtered = client.get("/sales/", {"close_month": "2026-04"})
    assert sum(c.count for c in filtered.context["board"].columns) == 0
    assert client.get("/sales/", {"close_month": "April"}).context["filter_errors"] == {
        "close_month": ["'April' is not a month (YYYY-MM)."]
    }


def test_board_cards_show_the_deal_escaped_with_grouped_amount_local_date_and_owner_initials(users, client_for, make_deal):
    deal = make_deal(users["north_rep"], name='<img src=x onerror="alert(1)"> & Co', amount="1234567.50", expected_close_date="2026-03-15")
    client = client_for(users["north_rep"])
    html = client.get("/sales/").content.decode()
    card = html[html.index(f'id="deal-{deal.pk}"') : html.index("</li>", html.index(f'id="deal-{deal.pk}"'))]
    assert f'data-version="1" data-move-url="/sales/opportunities/{deal.pk}/move/"' in card
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in card and "<img" not in card
    assert "1,234,568 CNY" in card  # rounded half up to whole units, grouped
    assert '<time datetime="2026-03-15">' in card
    assert f'title="{users["north_rep"]}"' in card
    users["north_rep"].__class__.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    chinese = client.get("/sales/").content.decode()
    assert '<time datetime="2026-03-15">2026年3月15日</time>' in chinese


def test_a_dropped_card_is_moved_and_both_columns_refreshed(users, client_for, make_deal, stages):
    deal = make_deal(users["north_rep"], amount="250")
    client = client_for(users["north_rep"])
    response = client.post(f"/sales/opportunities/{deal.pk}/move/", {"stage_id": stages["Proposal"].pk, "version": 1}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-version="2"' in html
    assert html.count('hx-swap-oob="true"') == 2
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (stages["Proposal"], 2)


def test_refused_moves_say_why_and_change_nothing(users, client_for, make_deal, stages):
    deal = make_deal(users["north_rep"])
    rep, manager = client_for(users["north_rep"]), client_for(users["manager"])
    assert rep.post(f"/sales/opportunities/{deal.pk}/move/", {"stage_id": stages["Proposal"].pk, "version": 1}, **HTMX).status_code == 200
    stale = manager.post(f"/sales/opportunities/{deal.pk}/move/", {"stage_id": stages["Negotiation"].pk, "version": 1}, **HTMX)
    assert stale.status_code == 409 and "Someone else" in stale.content.decode()
    lost = rep.post(f"/sales/opportunities/{deal.pk}/move/", {"stage_id": stages["Lost"].pk, "version": 2}, **HTMX)
    assert (lost.status_code, lost.content.decode()) == (422, "Say why the opportunity was lost.")
    readonly = client_for(users["analyst"]).post(
        f"/sales/opportunities/{deal.pk}/move/", {"stage_id": stages["Won"].pk, "version": 2}, **HTMX
    )
    assert readonly.status_code == 403
    deal.refresh_from_db()
    assert (deal.stage, deal.version, StageChange.objects.filter(opportunity=deal).count()) == (stages["Proposal"], 2, 2)
    # The same move from the deal's page (no HTMX) goes back to the page with a message
    back = rep.post(
        f"/sales/opportunities/{deal.pk}/move/", {"stage_id": stages["Lost"].pk, "version": 2, "lost_reason": "Went with Globex"}
    )
    assert back.status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == ("lost", "Went with Globex")


def test_forecast_and_funnel_pages(users, client_for, make_deal, stages):
    today = dt.date.today()
    make_deal(users["north_rep"], amount="1000", expected_close_date=today.isoformat(), stage_id=stages["Negotiation"].pk)
    client = client_for(users["manager"])
    page = client.get("/sales/forecast/")
    assert page.status_code == 200
    assert sum(t.commit for t in page.context["result"].totals) == Decimal(1000)
    assert b"data-chart" in page.content
    export = client.get("/sales/forecast/export.csv", {"group_by": "none"})
    assert export.status_code == 200 and sum(Decimal(line.split(",")[3]) for line in export.content.decode().splitlines()[1:]) == 1000
    assert client.get("/sales/forecast/", {"period": "week"}).status_code == 422
    funnel = client.get("/sales/funnel/", {"cost_by": "source"})
    assert funnel.status_code == 200
    assert funnel.context["result"].created == 1 and funnel.context["costs"].group_by == "source"


def test_every_sales_service_message_the_pages_translate_has_a_chinese_entry():
    from django.utils import translation

    from rapport.sales.views.messages import FIXED, ORDER_REFUSAL, PATTERNS, QUOTE_LOCKED, QUOTE_REFUSAL

    english = [*FIXED, *(template for _, template in PATTERNS), ORDER_REFUSAL, QUOTE_REFUSAL, QUOTE_LOCKED]
    with translation.override("zh-hans"):
        missing = [message for message in english if translation.gettext(message) == message]
    assert missing == []


def test_a_chinese_user_sees_the_opportunity_sort_labels_in_chinese(users, client_for):
    from rapport.core.models import User

    client = client_for(users["north_rep"])
    assert "Largest first" in client.get("/sales/opportunities/").content.decode()
    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    page = client.get("/sales/opportunities/").content.decode()
    assert "金额从大到小" in page and "最近更新" in page and "Largest first" not in page


def test_refused_filters_on_the_board_forecast_and_funnel_name_the_field_in_the_users_language(users, client_for, stages):
    from rapport.core.models import User

    # The board still shows every deal under the refusal (200); the reports have nothing to show (422).
    cases = [
        ("/sales/", {"close_month": "someday"}, "Closing in", "预计成交月份", 200),
        ("/sales/forecast/", {"period": "week"}, "By", "按", 422),
        ("/sales/funnel/", {"cost_by": "weather"}, "Costs per", "成本按", 422),
    ]
    for language in ("en", "zh-hans"):
        User.objects.filter(pk=users["manager"].pk).update(language=language)
        client = client_for(User.objects.get(pk=users["manager"].pk))
        for url, params, english, chinese, status in cases:
            page = client.get(url, params)
            assert page.status_code == status, (url, language)
            shown = page.content.decode()
            label = english if language == "en" else chinese
            assert f"<strong>{label}</strong>" in shown, (url, language)
            assert page.context["filter_problems"] and all(message for _, message in page.context["filter_problems"])


def test_the_funnel_looks_back_a_year_and_the_forecast_ahead_and_both_say_which_months(users, client_for, make_deal):
    import zoneinfo

    from django.utils import timezone

    from rapport.sales.filters import period_range
    from rapport.sales.models import Opportunity

    # On 2 April the quarter is a day old: the funnel still counts the deals made since last May.
    assert period_range(None, None, today=dt.date(2026, 4, 2), looking="back") == (dt.date(2025, 5, 1), dt.date(2026, 5, 1))
    assert period_range(None, None, today=dt.date(2026, 4, 2)) == (dt.date(2026, 4, 1), dt.date(2027, 4, 1))
    assert period_range("2026-01", None, today=dt.date(2026, 4, 2), looking="back") == (dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    deal = make_deal(users["north_rep"])
    # The pages count months in the manager's zone, a day ahead of UTC in the evening.
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(users["manager"].time_zone))
    Opportunity.objects.filter(pk=deal.pk).update(created_at=timezone.now() - dt.timedelta(days=100))
    client = client_for(users["manager"])
    funnel = client.get("/sales/funnel/")
    assert funnel.context["result"].created == 1
    first = dt.date(today.year - (today.month < 12), (today.month % 12) + 1, 1)
    assert funnel.context["months"] == {"start": f"{first:%Y-%m}", "end": f"{today:%Y-%m}"}
    assert f'name="start" class="input" value="{first:%Y-%m}"' in funnel.content.decode()
    forecast = client.get("/sales/forecast/").context["months"]
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    assert (
        forecast["start"] == f"{quarter:%Y-%m}"
        and forecast["end"] == f"{quarter.replace(year=quarter.year + 1) - dt.timedelta(days=1):%Y-%m}"
    )
    # A refused period keeps what was typed.
    refused = client.get("/sales/funnel/", {"start": "2026-05", "end": "2026-01"})
    assert refused.status_code == 422 and refused.context["months"] == {"start": "2026-05", "end": "2026-01"}
