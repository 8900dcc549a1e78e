"""The demo's sales pipeline, so the manager's Monday (story 9) can be walked through: a product catalogue with
CNY and USD price books, competitors, the routing rules of the trade show (story 1), a quarter's worth of deals per
regional rep across the New business, Renewal and Channel pipelines, quotes on them, and the manager's quotas.

Everything goes through the sales services as the person who would do it: the administrator keeps the catalogue,
the rules and the exchange rate, the sales manager the competitors and the quotas, each rep their own deals and
quotes. The services stamp what they write as "now"; a demo that shows nothing but today's deals has an empty
funnel, so the stage history, the close times and the quotes' dates are moved back afterwards (see ``_backdate``).

Deterministic: each rep's deals come from ``Random(seed, "pipeline", username)``; dates are relative to the
demo's anchor, so a demo loaded today shows this quarter's and next quarter's business.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rapport.common.errors import NotFound
from rapport.core.models import User
from rapport.core.selectors import rate_to_base
from rapport.core.services import exchange_rate_set
from rapport.customers.models import Contact
from rapport.customers.selectors import contact_list_for_user
from rapport.dataops.demo_sales import zhang_order_story
from rapport.dataops.trade_show import trade_show_rules
from rapport.sales import selectors
from rapport.sales.catalog_models import Product, Quote
from rapport.sales.deal_services import competitor_create, opportunity_competitor_add, opportunity_contact_add, sales_cost_add
from rapport.sales.models import Competitor, Opportunity, Pipeline, Stage, StageChange
from rapport.sales.pricing import line_amounts
from rapport.sales.products import price_book_create, price_book_entry_set, price_book_list, product_create, product_list
from rapport.sales.quotas import quota_set
from rapport.sales.quotes import quote_create, quote_line_update, quote_lines, quote_revise, quote_set_status, quote_update
from rapport.sales.services import opportunity_create, opportunity_move_stage, opportunity_update, sales_setup

USD_RATE = Decimal("7.10")  # CNY per USD, valid from three years before the anchor

# sku, name, category, unit, tax %, CNY price, USD price, description, attributes
PRODUCTS: tuple[tuple[str, str, str, str, str, str, str, str, dict[str, Any]], ...] = (
    ("X200", "笔记本电脑 X-200", "Laptops", "台", "13", "5999.00", "849.00", "X-200 laptop, 14-inch, 16 GB", {"warranty_months": 24}),
    ("DOCK-X", "X-200 扩展坞", "Accessories", "个", "13", "899.00", "129.00", "X-200 USB-C docking station", {}),
    ("MON-27", "27 英寸显示器 M27", "Monitors", "台", "13", "1899.00", "269.00", "M27 27-inch monitor", {"warranty_months": 36}),
    ("BAT-X200", "X-200 替换电池", "Accessories", "块", "13", "499.00", "69.00", "X-200 replacement battery", {"fits": "X200"}),
    ("WAR-EXT2", "延保服务（2年）", "Services", "份", "6", "799.00", "119.00", "Extended warranty, two more years", {"months": 24}),
    ("SVC-INST", "安装服务", "Services", "次", "6", "1500.00", "220.00", "On-site installation and set-up", {}),
    ("LIC-OFFICE", "办公软件许可（年）", "Software", "套", "13", "1200.00", "169.00", "Office suite licence, one year", {}),
    ("SUP-PLAN", "企业支持计划（年）", "Services", "年", "6", "36000.00", "5000.00", "Business support plan, 8x5, one year", {}),
)
PRICES = {row[0]: {"CNY": Decimal(row[5]), "USD": Decimal(row[6])} for row in PRODUCTS}
EN_NAMES = {row[0]: row[7] for row in PRODUCTS}  # what an English quote's line says
BOOKS = (("标准价目表（人民币）", "CNY"), ("Standard price list (USD)", "USD"))

COMPETITORS = (
    (
        "华锐科技 Huarui Tech",
        "https://www.huarui-tech.example.cn",
        "价格低 5–10%，现货多，两周内交货。",
        "售后网点少，延保外包给第三方。",
    ),
    (
        "Northwind Systems",
        "https://www.northwind.example.com",
        "Global support contracts; strong with banks and insurers.",
        "Expensive; slow to customise; little presence outside tier-1 cities.",
    ),
    (
        "蓝海办公 Blue Ocean Office",
        "https://www.blueocean-office.example.cn",
        "家具和 IT 打包采购，本地关系好。",
        "没有自有笔记本产品线，只做转售；技术支持弱。",
    ),
)


@dataclass(frozen=True)
class Template:
    zh: str
    en: str
    qty: tuple[int, int]  # the main line's quantity
    zh_unit: str  # in the deal's name: "（40台）"
    en_unit: str
    lines: tuple[tuple[str, float], ...]  # sku and its quantity as a share of the main one (0: one)


NEW_BUSINESS = (
    Template("X-200 笔记本电脑采购", "X-200 laptop rollout", (15, 60), "台", "laptops", (("X200", 1), ("DOCK-X", 0.5), ("WAR-EXT2", 1))),
    Template("显示器更新", "Monitor refresh", (20, 80), "台", "monitors", (("MON-27", 1), ("SVC-INST", 0))),
    Template("办公软件正版化", "Office licence true-up", (60, 300), "套", "seats", (("LIC-OFFICE", 1),)),
    Template("X-200 电池更换", "X-200 battery replacement", (40, 150), "块", "batteries", (("BAT-X200", 1), ("SVC-INST", 0))),
    Template(
        "新办公室 IT 设备",
        "New office fit-out",
        (10, 40),
        "人",
        "people",
        (("X200", 1), ("MON-27", 1), ("LIC-OFFICE", 1), ("SVC-INST", 0)),
    ),
    Template("年度支持服务", "Annual support plan", (1, 3), "", "", (("SUP-PLAN", 1), ("SVC-INST", 0))),
)
RENEWAL = Template("延保与支持续约", "Support and warranty renewal", (20, 80), "", "", (("WAR-EXT2", 1), ("SUP-PLAN", 0)))
CHANNEL = Template("渠道项目：X-200 批量采购", "Reseller deal: X-200 bulk order", (30, 90), "台", "laptops", (("X200", 1), ("DOCK-X", 1)))

# Days a deal typically spends in each open stage of a pipeline kind (by position among the open stages):
# proposals stall longest, which is what the funnel should show the manager.
STAGE_DAYS = {
    "new_business": ((3, 9), (5, 12), (7, 16), (14, 30), (5, 12)),
    "renewal": ((10, 25), (5, 12), (5, 14)),
    "channel": ((3, 8), (5, 10), (8, 18), (5, 12)),
}
NEXT_STEPS = {
    "zh": ("电话了解需求", "确认预算和决策人", "安排现场演示", "跟进报价反馈", "商务条款谈判，准备合同"),
    "en": (
        "Intro call with the IT lead",
        "Confirm budget and decision maker",
        "On-site demo of the X-200",
        "Follow up on the proposal",
        "Agree terms, send the contract",
    ),
}
LOST_REASONS = {
    "zh": ("价格高于竞争对手", "预算冻结，项目推迟到明年", "客户选择了华锐科技，交货更快"),
    "en": ("Went with Northwind Systems on price", "Budget frozen until next year", "No decision: project shelved"),
}
COMPETITOR_NOTES = {
    "zh": ("对方报价低 8%，承诺两周交货", "客户 IT 部门倾向对方的售后合同", "对方捆绑了办公家具"),
    "en": ("Their quote is 8% lower with free delivery", "Their support contract appeals to the CIO", "Incumbent supplier, well liked"),
}
COSTS = (
    ("travel", "1860.00", "拜访客户差旅", "Travel to the customer"),
    ("demo", "2400.00", "样机演示", "Demo units on site"),
    ("entertainment", "880.00", "商务宴请", "Dinner with the buyer"),
    ("samples", "5999.00", "试用样机一台", "One trial laptop"),
)
SOURCES = ("Trade show", "Referral", "Web form", "Existing customer", "Cold call")
# Monthly quota per rep (CNY), December's a fifth more: sized so that mid-quarter, won and commit come to most of the
# quarter's quota and best case goes past it, as a manager would want to see on Monday.
QUOTAS = {"north-china": 200_000, "east-china": 240_000, "south-china": 220_000, "international": 150_000}


@dataclass(frozen=True)
class Slot:
    """One deal of a rep's book: its pipeline, how far it got, how it ended and when it closes."""

    kind: str  # the pipeline kind
    stage: int  # position among the pipeline's open stages it is in (open) or got to (won, lost)
    outcome: str  # open, won, lost
    category: str  # the forecast category of an open deal
    close: str  # "last", "this" or "next" quarter
    quote: str = ""  # the quote's status on it: draft, sent, accepted, rejected


BOOK = (
    Slot("new_business", 0, "open", "pipeline", "next"),
    Slot("new_business", 1, "open", "pipeline", "next"),
    Slot("new_business", 1, "open", "pipeline", "this"),
    Slot("new_business", 2, "open", "best_case", "this", quote="draft"),
    Slot("new_business", 2, "open", "pipeline", "next"),
    Slot("new_business", 3, "open", "best_case", "this", quote="sent"),
    Slot("new_business", 3, "open", "commit", "next", quote="sent"),
    Slot("new_business", 4, "open", "commit", "this", quote="sent"),
    Slot("new_business", 4, "won", "", "this", quote="accepted"),
    Slot("new_business", 4, "won", "", "last"),
    Slot("new_business", 3, "lost", "", "this", quote="rejected"),
    Slot("new_business", 2, "lost", "", "last"),
)
EXTRA = {
    "north-china": (Slot("renewal", 2, "open", "commit", "this", quote="sent"), Slot("renewal", 2, "won", "", "this")),
    "east-china": (Slot("new_business", 4, "won", "", "this"), Slot("channel", 2, "open", "best_case", "next")),
    "south-china": (Slot("renewal", 0, "open", "best_case", "next"), Slot("channel", 3, "open", "commit", "this")),
    "international": (Slot("renewal", 1, "open", "best_case", "this"),),
}


@dataclass(frozen=True)
class _Pipe:
    pipeline: Pipeline
    open: list[Stage]
    won: Stage
    lost: Stage


@dataclass(frozen=True)
class _Calendar:
    anchor: dt.datetime
    today: dt.date
    this_quarter: dt.date
    next_quarter: dt.date
    after_next: dt.date
    last_quarter: dt.date


def _quarter_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 4 + (day.month - 1) // 3 + shift
    return dt.date(index // 4, (index % 4) * 3 + 1, 1)


def _calendar(anchor: dt.datetime) -> _Calendar:
    today = anchor.date()
    return _Calendar(
        anchor=anchor,
        today=today,
        this_quarter=_quarter_start(today),
        next_quarter=_quarter_start(today, 1),
        after_next=_quarter_start(today, 2),
        last_quarter=_quarter_start(today, -1),
    )


def _day_between(rng: random.Random, first: dt.date, after: dt.date) -> dt.date:
    """A day from ``first`` up to (not including) ``after``; ``first`` when the range is empty."""
    span = (after - first).days
    return first + dt.timedelta(days=rng.randrange(span)) if span > 0 else first


def _at(rng: random.Random, day: dt.date, cal: _Calendar) -> dt.datetime:
    """A time in Beijing's working hours (01:00–09:00 UTC) on ``day``, never later than an hour before the anchor."""
    moment = dt.datetime.combine(day, dt.time(rng.randrange(1, 9), rng.randrange(60)), tzinfo=dt.UTC)
    return min(moment, cal.anchor - dt.timedelta(hours=1))


# ---------------------------------------------------------------- set-up: catalogue, competitors, rules


def catalogue_setup(*, admin: User, today: dt.date) -> dict[str, Product]:
    """The products, a default price book per currency and the USD rate; what exists already is kept."""
    have = {p.sku: p for p in product_list()}
    for sku, name, category, unit, tax, _cny, _usd, description, attributes in PRODUCTS:
        if sku not in have:
            data = {"sku": sku, "name": name, "category": category, "unit": unit, "tax_rate": tax, "description": description}
            have[sku] = product_create(actor=admin, data={**data, "attributes": attributes}, via="cli")
    books = {b.name: b for b in price_book_list()}
    for name, currency in BOOKS:
        book = books.get(name) or price_book_create(actor=admin, name=name, currency=currency, is_default=True, via="cli")
        if not book.entries.exists():
            for sku, prices in PRICES.items():
                price_book_entry_set(actor=admin, book=book, product_id=have[sku].pk, unit_price=prices[currency], via="cli")
    try:
        rate_to_base("USD", on=today)
    except NotFound:  # the forecast converts USD deals to CNY at this rate
        exchange_rate_set(actor=admin, currency="USD", rate_to_base=USD_RATE, valid_from=today.replace(year=today.year - 3, day=1))
    return have


def competitors_setup(*, manager: User) -> list[Competitor]:
    known = {c.name: c for c in selectors.competitor_list()}
    for name, website, strengths, weaknesses in COMPETITORS:
        if name not in known:
            known[name] = competitor_create(
                actor=manager, name=name, website=website, strengths=strengths, weaknesses=weaknesses, via="cli"
            )
    return [known[row[0]] for row in COMPETITORS]


def _pipes() -> dict[str, _Pipe]:
    sales_setup()  # the default pipelines, if a flush removed them
    found: dict[str, _Pipe] = {}
    for pipeline in selectors.pipeline_list():
        stages = list(pipeline.stages.all())
        won = next((s for s in stages if s.is_won), None)
        lost = next((s for s in stages if s.is_lost), None)
        if pipeline.kind not in found and won is not None and lost is not None:
            found[pipeline.kind] = _Pipe(pipeline, [s for s in stages if not s.is_closed], won, lost)
    return found


# ---------------------------------------------------------------- deals


@dataclass
class _Deal:
    slot: Slot
    account: Mapping[str, Any]
    name: str
    currency: str
    lines: list[dict[str, Any]]
    amount: Decimal
    zh: bool


def _lines(rng: random.Random, template: Template, products: Mapping[str, Product], currency: str) -> tuple[int, list[dict[str, Any]]]:
    qty = rng.randint(*template.qty)
    discount = Decimal(rng.choice((0, 3, 5, 8))) if qty >= 20 else Decimal(0)
    lines = []
    for index, (sku, share) in enumerate(template.lines):
        line: dict[str, Any] = {"product_id": products[sku].pk, "quantity": str(max(1, round(qty * share)) if share else 1)}
        if index == 0 and discount:
            line["discount_percent"] = str(discount)
        if currency != "CNY":  # the catalogue names things in Chinese; an English customer reads the description
            line["description"] = EN_NAMES[sku]
        line["_price"] = PRICES[sku][currency]
        lines.append(line)
    return qty, lines


def _net(lines: Sequence[Mapping[str, Any]], currency: str) -> Decimal:
    """The deal's amount: what the quote's lines come to before tax."""
    return sum(
        (
            line_amounts(
                quantity=Decimal(line["quantity"]),
                unit_price=line["_price"],
                discount_percent=Decimal(line.get("discount_percent", 0)),
                discount_amount=Decimal(0),
                tax_rate=Decimal(0),
                currency=currency,
            ).net
            for line in lines
        ),
        Decimal(0),
    )


def _deal(rng: random.Random, slot: Slot, account: Mapping[str, Any], products: Mapping[str, Product], usd: bool) -> _Deal:
    template = {"renewal": RENEWAL, "channel": CHANNEL}.get(slot.kind) or rng.choice(NEW_BUSINESS)
    zh = account["country"] == "CN"
    currency = "USD" if usd else "CNY"
    qty, lines = _lines(rng, template, products, currency)
    if zh:
        short = str(account["name"]).removesuffix("有限公司")
        name = f"{short}：{template.zh}" + (f"（{qty}{template.zh_unit}）" if template.zh_unit else "")
    else:
        name = f"{account['name']} – {template.en}" + (f" ({qty} {template.en_unit})" if template.en_unit else "")
    return _Deal(slot, account, name[:200], currency, lines, _net(lines, currency), zh)


def _timeline(rng: random.Random, slot: Slot, cal: _Calendar) -> tuple[list[dt.datetime], dt.date]:
    """When the deal entered each stage it went through (its last entry: the current or closing stage), and its close date."""
    ranges = STAGE_DAYS[slot.kind]
    if slot.outcome == "open":
        in_stage = rng.randint(1, ranges[slot.stage][1])
        last = _at(rng, cal.today - dt.timedelta(days=in_stage), cal)
        passed = slot.stage  # stages left before the current one
        if slot.close == "this":
            close = _day_between(rng, cal.today + dt.timedelta(days=3), cal.next_quarter)
        else:
            close = _day_between(rng, cal.next_quarter, cal.after_next)
    else:
        first, after = (cal.this_quarter, cal.today) if slot.close == "this" else (cal.last_quarter, cal.this_quarter)
        close = _day_between(rng, first, after)
        last = _at(rng, close, cal)
        passed = slot.stage + 1  # it also spent time in the stage it was closed from
    entered = [last]
    for position in reversed(range(passed)):
        low, high = ranges[position]
        entered.append(entered[-1] - dt.timedelta(days=rng.randint(low, high), minutes=rng.randrange(-180, 180)))
    return list(reversed(entered)), close


def _backdate(opportunity: Opportunity, entered: list[dt.datetime], closed: bool) -> None:
    """Move the deal's stage history to ``entered``.

    The services stamp a deal's creation and every stage move with the current time; the demo shows deals that
    have been worked for weeks, so the funnel's days in stage and the board's "in stage since" need the past.
    """
    changes = selectors.stage_history_for(opportunity=opportunity)
    for index, change in enumerate(changes):
        seconds = int((entered[index] - entered[index - 1]).total_seconds()) if index else None
        StageChange.objects.filter(pk=change.pk).update(at=entered[index], seconds_in_previous=seconds)
    Opportunity.objects.filter(pk=opportunity.pk).update(
        created_at=entered[0], updated_at=entered[-1], stage_entered_at=entered[-1], closed_at=entered[-1] if closed else None
    )


def _contacts(rep: User, account_id: int) -> list[int]:
    mine = contact_list_for_user(user=rep).prefetch_related(None).filter(account_id=account_id, owner_id=rep.pk)
    return list(mine.order_by("pk").values_list("pk", flat=True)[:2])


def _work_deal(
    *,
    rng: random.Random,
    rep: User,
    deal: _Deal,
    pipe: _Pipe,
    cal: _Calendar,
    competitors: Sequence[Competitor],
    partner_id: int | None,
) -> tuple[Opportunity, list[dt.datetime]]:
    slot, lang = deal.slot, "zh" if deal.zh else "en"
    entered, close = _timeline(rng, slot, cal)
    contacts = _contacts(rep, deal.account["pk"])
    data: dict[str, Any] = {
        "name": deal.name,
        "account_id": deal.account["pk"],
        "amount": str(deal.amount),
        "currency": deal.currency,
        "expected_close_date": close,
        "pipeline_id": pipe.pipeline.pk,
        "source": {"renewal": "Existing customer", "channel": "Partner"}.get(slot.kind) or rng.choice(SOURCES),
        "shared_with_team": rng.random() < 0.3,
    }
    if slot.outcome == "open":
        data["forecast_category"] = slot.category
        data["next_step"] = NEXT_STEPS[lang][min(slot.stage, 4)] if slot.kind == "new_business" else NEXT_STEPS[lang][3]
    if contacts:
        data["primary_contact_id"] = contacts[0]
    if slot.kind == "channel" and partner_id is not None:
        data.update(partner_id=partner_id, partner_share="15")
    opportunity = opportunity_create(actor=rep, data=data, via="cli")
    for stage in pipe.open[1 : slot.stage + 1]:
        opportunity = opportunity_move_stage(actor=rep, opportunity=opportunity, stage_id=stage.pk, expected_version=None, via="cli")
    if slot.outcome != "open":
        final = pipe.won if slot.outcome == "won" else pipe.lost
        reason = rng.choice(LOST_REASONS[lang]) if slot.outcome == "lost" else None
        opportunity = opportunity_move_stage(
            actor=rep, opportunity=opportunity, stage_id=final.pk, expected_version=None, lost_reason=reason, closed_on=close, via="cli"
        )
    for contact_id, role in zip(contacts, ("decision_maker", rng.choice(("technical_buyer", "influencer", "champion"))), strict=False):
        opportunity_contact_add(actor=rep, opportunity=opportunity, contact_id=contact_id, role=role, via="cli")
    if slot.outcome == "lost" or (slot.stage >= 3 and rng.random() < 0.6):
        competitor = rng.choice(competitors)
        opportunity_competitor_add(
            actor=rep, opportunity=opportunity, competitor_id=competitor.pk, notes=rng.choice(COMPETITOR_NOTES[lang]), via="cli"
        )
    if slot.stage >= 3 or slot.outcome == "won":
        for kind, amount, zh_note, en_note in rng.sample(COSTS, rng.randint(1, 2)):
            spent = _day_between(rng, entered[0].date(), entered[-1].date() + dt.timedelta(days=1))
            note = zh_note if deal.zh else en_note
            sales_cost_add(
                actor=rep, opportunity=opportunity, kind=kind, amount=amount, currency="CNY", incurred_on=spent, note=note, via="cli"
            )
    _backdate(opportunity, entered, closed=slot.outcome != "open")
    return opportunity, entered


def _quote(*, rep: User, opportunity: Opportunity, deal: _Deal, status: str, sent: dt.datetime, contact_id: int | None) -> Quote:
    """A quote for the deal in ``status`` (draft, sent, accepted or rejected), dated as if sent at ``sent``."""
    lines = [{k: v for k, v in line.items() if not k.startswith("_")} for line in deal.lines]
    title = deal.name.split("：", 1)[-1].split(" – ", 1)[-1]
    data: dict[str, Any] = {
        "title": title,
        "account_id": deal.account["pk"],
        "currency": deal.currency,
        "opportunity_id": opportunity.pk,
        "valid_until": (sent + dt.timedelta(days=30)).date(),
        "lines": lines,
    }
    if contact_id is not None:
        data["contact_id"] = contact_id
    quote = quote_create(actor=rep, data=data, via="cli")
    for step in {"draft": (), "sent": ("sent",), "accepted": ("sent", "accepted"), "rejected": ("sent", "rejected")}[status]:
        quote = quote_set_status(actor=rep, quote=quote, status=step, via="cli")
    _backdate_quote(quote, sent, was_sent=status != "draft")
    return quote


def _backdate_quote(quote: Quote, sent: dt.datetime, *, was_sent: bool) -> None:
    # The quote service stamps creation and sending with the current time; the demo's quote went out with the deal's stage.
    Quote.objects.filter(pk=quote.pk).update(created_at=sent - dt.timedelta(days=1), updated_at=sent, sent_at=sent if was_sent else None)


def _partner(accounts: Sequence[Mapping[str, Any]], other_than: int) -> int | None:
    resellers = [a["pk"] for a in accounts if a["pk"] != other_than and a["industry"] in ("IT services", "Retail", "Telecom")]
    return resellers[0] if resellers else None


def rep_book(
    *,
    rep: User,
    region: str,
    accounts: Sequence[Mapping[str, Any]],
    products: Mapping[str, Product],
    competitors: Sequence[Competitor],
    pipes: Mapping[str, _Pipe],
    cal: _Calendar,
    seed: int,
) -> list[Opportunity]:
    """The rep's deals on the accounts they own (a customer may have several when the rep owns few)."""
    if not accounts:
        return []
    rng = random.Random(f"{seed}:pipeline:{rep.username}")
    mine = list(accounts)
    rng.shuffle(mine)
    made = []
    for index, slot in enumerate((*BOOK, *EXTRA.get(region, ()))):
        if slot.kind not in pipes:
            continue
        account = mine[index % len(mine)]
        usd = region == "international" and account["country"] != "CN"  # American customers buy in dollars
        deal = _deal(rng, slot, account, products, usd)
        partner = _partner(mine, account["pk"]) if slot.kind == "channel" else None
        opportunity, entered = _work_deal(
            rng=rng, rep=rep, deal=deal, pipe=pipes[slot.kind], cal=cal, competitors=competitors, partner_id=partner
        )
        if slot.quote:
            # Sent when the deal reached its proposal stage (the fourth), or a day after it entered the last one it reached.
            sent = entered[min(3, len(entered) - 1)] + dt.timedelta(hours=rng.randint(4, 30))
            if sent > cal.anchor:
                sent = cal.anchor - dt.timedelta(hours=2)
            _quote(rep=rep, opportunity=opportunity, deal=deal, status=slot.quote, sent=sent, contact_id=opportunity.primary_contact_id)
        made.append(opportunity)
    return made


# ---------------------------------------------------------------- Mr Zhang's quote (story 2)


def zhang_quote(*, rep: User, zhang: Contact, products: Mapping[str, Product], pipes: Mapping[str, _Pipe], march: dt.datetime) -> Quote:
    """The quote behind "X-200 报价（10台）": ten laptops quoted, then one bought on 12 March.

    The first revision (10 × X-200) was sent a month before; the customer first bought one for the purchasing
    office, so a second revision for one laptop was accepted. The deal was won that day; the order of the
    accepted revision is ``demo_sales.zhang_order_story``'s.
    """
    assert zhang.account_id is not None
    days = dt.timedelta(days=1)
    pipe = pipes["new_business"]
    opportunity = opportunity_create(
        actor=rep,
        data={
            "name": "鼎盛集团（北京）：X-200 笔记本电脑",
            "account_id": zhang.account_id,
            "primary_contact_id": zhang.pk,
            "amount": "59990.00",
            "currency": "CNY",
            "expected_close_date": march.date(),
            "pipeline_id": pipe.pipeline.pk,
            "source": "Referral",
        },
        via="cli",
    )
    opportunity_contact_add(actor=rep, opportunity=opportunity, contact_id=zhang.pk, role="economic_buyer", via="cli")
    for stage in pipe.open[1:]:
        opportunity = opportunity_move_stage(actor=rep, opportunity=opportunity, stage_id=stage.pk, expected_version=None, via="cli")
    line = {"product_id": products["X200"].pk, "quantity": "10"}
    first = quote_create(
        actor=rep,
        data={
            "title": "X-200 报价（10台）",
            "account_id": zhang.account_id,
            "contact_id": zhang.pk,
            "opportunity_id": opportunity.pk,
            "currency": "CNY",
            "valid_until": march.date(),
            "lines": [line],
        },
        via="cli",
    )
    first = quote_set_status(actor=rep, quote=first, status="sent", via="cli")
    second = quote_revise(actor=rep, quote=first, via="cli")
    second = quote_update(
        actor=rep,
        quote=second,
        data={"title": "X-200 报价（1台）", "notes": "客户先为采购部购买 1 台，其余 9 台待试用后再定。"},
        expected_version=None,
        via="cli",
    )
    quote_line_update(actor=rep, quote=second, line_id=quote_lines(quote=second)[0].pk, data={**line, "quantity": "1"}, via="cli")
    for step in ("sent", "accepted"):
        second = quote_set_status(actor=rep, quote=second, status=step, via="cli")
    opportunity = opportunity_update(actor=rep, opportunity=opportunity, data={"amount": "5999.00"}, expected_version=None, via="cli")
    opportunity = opportunity_move_stage(
        actor=rep, opportunity=opportunity, stage_id=pipe.won.pk, expected_version=None, closed_on=march.date(), via="cli"
    )
    # Created after the lecture's invitation, quoted a month before, won on the day he ordered.
    steps = len(pipe.open) + 1
    _backdate(opportunity, [march - (45 - 45 * i // (steps - 1)) * days for i in range(steps)], closed=True)
    _backdate_quote(first, march - 30 * days, was_sent=True)
    _backdate_quote(second, march - 1 * days, was_sent=True)
    return second


# ---------------------------------------------------------------- quotas


def quotas_setup(*, manager: User, reps: Mapping[str, User], cal: _Calendar) -> None:
    """Monthly quotas for this year and the next quarter, where the open deals close.

    Months only: the quarterly forecast adds up the months of a quarter, and a quarterly quota beside them would
    be counted twice there.
    """
    month = dt.date(cal.today.year, 1, 1)
    until = max(cal.after_next, dt.date(cal.today.year + 1, 1, 1))
    while month < until:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        for region, rep in reps.items():
            amount = QUOTAS.get(region, 200_000) * (Decimal("1.2") if month.month == 12 else 1)
            quota_set(
                actor=manager,
                user_id=rep.pk,
                period_start=month,
                period_end=following - dt.timedelta(days=1),
                amount=f"{amount:.2f}",
                currency="CNY",
                via="cli",
            )
        month = following


# ---------------------------------------------------------------- the whole story


def pipeline_story(
    *,
    admin: User,
    manager: User,
    reps: Mapping[str, User],
    accounts: Sequence[Mapping[str, Any]],
    anchor: dt.datetime,
    seed: int,
    zhang: Contact | None,
    march: dt.datetime,
) -> int:
    """Catalogue, competitors, routing rules, each regional rep's deals and quotes, the manager's quotas; returns the deals made.

    ``reps``: the first rep of each regional team by team slug; ``accounts``: the demo's accounts as dicts
    (pk, name, owner_id, country, industry).
    """
    cal = _calendar(anchor)
    products = catalogue_setup(admin=admin, today=cal.today)
    competitors = competitors_setup(manager=manager)
    trade_show_rules(actor=admin)
    pipes = _pipes()
    skip = zhang.account_id if zhang is not None else None
    made = 0
    for region, rep in reps.items():
        owned = [a for a in accounts if a["owner_id"] == rep.pk and a["pk"] != skip]
        made += len(
            rep_book(rep=rep, region=region, accounts=owned, products=products, competitors=competitors, pipes=pipes, cal=cal, seed=seed)
        )
    if zhang is not None and zhang.account_id is not None and "new_business" in pipes:
        owner = next((r for r in reps.values() if r.pk == zhang.owner_id), None)
        if owner is not None:
            quote = zhang_quote(rep=owner, zhang=zhang, products=products, pipes=pipes, march=march)
            zhang_order_story(quote=quote, ordered_on=march.date())
            made += 1
    quotas_setup(manager=manager, reps=reps, cal=cal)
    return made
