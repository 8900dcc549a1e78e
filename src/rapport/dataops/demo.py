"""Realistic demo data: regional teams, a user per role, corporate groups,
accounts, Chinese and English contacts, trade-show leads and two years of
interactions on every channel; then the stories: Mr Zhang's, the payers, and
the sales pipeline with its catalogue, quotes and quotas (``demo_pipeline``);
last, three years of orders for the other customers (``demo_history``).

Users, teams and the story of Mr Zhang go through the services. The bulk
rows are written with ``bulk_create``, a batch per transaction, and carry
everything the services would have written: E.164 phones beside what was
typed, normalised emails, search terms, the composed full name, an owner and
team that follow the visibility rules, and an audit entry.

Every batch is generated from its own ``Random(seed, phase, batch)``, and its
rows commit together with the phase's batch counter (``DemoLoadPhase``): an
interrupted load, run again with the same options, continues at the first
missing batch and produces exactly what an uninterrupted load would have.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import accumulate
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone

from rapport.common.errors import ValidationFailed
from rapport.common.phones import normalise_phone
from rapport.core.models import Role, User
from rapport.core.services import team_get_or_create, user_create
from rapport.customers import services
from rapport.customers.models import Account, Contact, Lead, Tag
from rapport.customers.validation import compose_full_name
from rapport.dataops import demo_data as data
from rapport.dataops.demo_history import Buyer, history_write
from rapport.dataops.demo_marketing import campaign_story
from rapport.dataops.demo_pipeline import PRICES, pipeline_story
from rapport.dataops.demo_rows import BatchRows, insert_models
from rapport.dataops.demo_sales import PAYERS, payment_story, sales_story, suspicious_story
from rapport.dataops.models import DemoLoadPhase
from rapport.marketing.models import Campaign
from rapport.sales.models import Order, Product
from rapport.service.cases import case_open
from rapport.service.models import RESOLVE_WITHIN, Case, CasePriority

STORY_PHONE = "13800138000"


class DemoConflict(Exception):
    """The database holds demo data loaded with other options."""


class Bar(Protocol):
    def update(self, n: int) -> Any: ...
    def close(self) -> Any: ...


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


ProgressFactory = Callable[[str, int, int], Bar]  # (phase, total, already done) -> bar


@dataclass(frozen=True)
class DemoPlan:
    contacts: int = 2000
    accounts: int | None = None  # default: one per eight contacts
    leads: int | None = None  # default: one per four contacts
    interactions_per_contact: float = 3.0
    seed: int = 42
    locale_mix: float = 0.6  # share of Chinese customers; the rest are in the US
    batch_size: int = 2000

    def resolved(self) -> DemoPlan:
        accounts = self.accounts if self.accounts is not None else max(30, self.contacts // 8)
        leads = self.leads if self.leads is not None else max(20, self.contacts // 4)
        return DemoPlan(self.contacts, accounts, leads, self.interactions_per_contact, self.seed, self.locale_mix, self.batch_size)

    @property
    def reps_per_region(self) -> int:
        return 1 + self.contacts // 100_000


@dataclass
class _Org:
    admin: User
    agent: User
    manager: User
    rep_north: User
    team_ids: dict[str, int]
    reps: dict[str, list[int]]  # regional team slug -> rep ids
    tag_ids: dict[str, int]


@dataclass
class _Ctx:
    plan: DemoPlan
    anchor: dt.datetime
    org: _Org
    pools: data.Pools
    family_weights: list[float] = field(default_factory=list)  # cumulative, for rng.choices
    groups: int = 0
    layout: list[int | None] = field(default_factory=list)  # account ordinal -> its group
    first_ids: dict[str, int] = field(default_factory=dict)  # phase -> id of its first row
    accounts: list[dict[str, Any]] = field(default_factory=list)
    account_names: dict[int, str] = field(default_factory=dict)
    team_slugs: dict[int, str] = field(default_factory=dict)
    channels: tuple[str, ...] = tuple(data.CHANNELS)
    channel_weights: list[int] = field(default_factory=lambda: list(accumulate(w for w, _, _ in data.CHANNELS.values())))

    def rng(self, phase: str, batch: int) -> random.Random:
        return random.Random(f"{self.plan.seed}:{phase}:{batch}")


# ---------------------------------------------------------------- people


USERS = (
    # username, role, team slug, first name, last name
    ("admin", Role.ADMINISTRATOR, None, "Ada", "Admin"),
    ("manager", Role.SALES_MANAGER, "china-sales", "Ming", "Wang"),
    ("rep.north", Role.SALES_REP, "north-china", "Lei", "Zhao"),
    ("rep.east", Role.SALES_REP, "east-china", "Fang", "Chen"),
    ("rep.south", Role.SALES_REP, "south-china", "Jun", "Huang"),
    ("rep.intl", Role.SALES_REP, "international", "Emma", "Miller"),
    ("agent", Role.SERVICE_AGENT, "service", "Li", "Na"),
    ("marketer", Role.MARKETER, "marketing", "Sophie", "Lin"),
    ("analyst", Role.ANALYST, "china-sales", "Hao", "Zhou"),
)


def _user(username: str, **kwargs: Any) -> User:
    found = User.objects.filter(username=username).first()
    return found or user_create(username=username, password=data.PASSWORD, email=f"{username}@rapport.example", **kwargs)


def _org(plan: DemoPlan) -> _Org:
    sales = team_get_or_create(slug="china-sales", name="Sales")
    teams = {"china-sales": sales}
    for slug, name in data.REGIONS:
        teams[slug] = team_get_or_create(slug=slug, name=name, parent=sales)
    teams["service"] = team_get_or_create(slug="service", name="Service centre")
    teams["marketing"] = team_get_or_create(slug="marketing", name="Marketing")
    made: dict[str, User] = {}
    for username, role, team, first, last in USERS:
        manager = made.get("manager") if role == Role.SALES_REP else None
        made[username] = _user(username, role=role, team=teams[team] if team else None, manager=manager, first_name=first, last_name=last)
    reps: dict[str, list[int]] = {}
    for slug, _ in data.REGIONS:
        first_rep = next(u for u in made.values() if u.team_id == teams[slug].pk and u.role == Role.SALES_REP)
        reps[slug] = [first_rep.pk]
        for n in range(2, plan.reps_per_region + 1):
            name = f"{first_rep.username}.{n}"
            reps[slug].append(
                _user(name, role=Role.SALES_REP, team=teams[slug], manager=made["manager"], first_name="Rep", last_name=name).pk
            )
    Tag.objects.bulk_create([Tag(name=n) for n in data.TAGS], ignore_conflicts=True)
    return _Org(
        admin=made["admin"],
        agent=made["agent"],
        manager=made["manager"],
        rep_north=made["rep.north"],
        team_ids={slug: t.pk for slug, t in teams.items()},
        reps=reps,
        tag_ids=dict(Tag.objects.filter(name__in=data.TAGS).values_list("name", "pk")),
    )


# ---------------------------------------------------------------- shared row builders


def _mobile(ctx: _Ctx, rng: random.Random, country: str) -> tuple[str, str]:
    if country == "CN":
        digits = rng.choice(ctx.pools.cn_mobile_prefixes) + f"{rng.randrange(10**8):08d}"
        if digits == STORY_PHONE:  # Mr Zhang's number stays his alone
            digits = "13900139000"
        return data.typed_cn_mobile(digits, rng.randrange(6)), "+86" + digits
    area, exchange = rng.choice(ctx.pools.us_exchanges)
    line = f"{rng.randrange(10**4):04d}"
    return data.typed_us_phone(area, exchange, line, rng.randrange(4)), f"+1{area}{exchange}{line}"


def _landline(rng: random.Random, place: data.Place) -> tuple[str, str]:
    for attempt in range(20):
        if place.country == "US":
            typed = f"+1 ({place.area_code}) {rng.randrange(200, 999)}-{rng.randrange(10**4):04d}"
        else:
            # Local numbers have eight digits in most cities and seven in some (Xiamen, Nanning).
            digits = f"{rng.randrange(2, 9)}{rng.randrange(10**7):07d}"[: 8 - attempt % 2]
            typed = f"0{place.area_code}-{digits[:4]} {digits[4:]}" if rng.random() < 0.5 else f"+86 {place.area_code} {digits}"
        try:
            return typed, normalise_phone(typed, region=place.country)
        except ValidationFailed:
            continue
    raise RuntimeError(f"no valid landline found for {place.city}")


def _person_name(ctx: _Ctx, rng: random.Random, zh: bool) -> tuple[str, str, str]:
    """(first name, last name, the name's ASCII spelling for an email)."""
    p = ctx.pools
    if zh:
        family = rng.choices(p.zh_family, cum_weights=ctx.family_weights)[0]
        given = rng.choice(p.zh_given)
        return given, family, f"{data.pinyin(given)}.{data.pinyin(family)}"
    first, last = rng.choice(p.en_first), rng.choice(p.en_last)
    ascii_name = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalpha() or ch == "."))
    return first, last, ascii_name


def _email(rng: random.Random, ascii_name: str, zh: bool, domain: str | None) -> str:
    if domain and rng.random() < 0.7:
        return f"{ascii_name}@{domain}"
    if zh:
        return rng.choice((f"{rng.randrange(10**5, 10**10)}@qq.com", f"{ascii_name.replace('.', '')}{rng.randrange(100)}@163.com"))
    return f"{ascii_name.replace('.', '')}{rng.randrange(100)}@{rng.choice(('gmail.com', 'outlook.com', 'yahoo.com'))}"


def _batch_rows(ctx: _Ctx) -> BatchRows:
    return BatchRows(actor_id=ctx.org.admin.pk, actor_name=ctx.org.admin.username, agent_id=ctx.org.agent.pk, anchor=ctx.anchor)


def _place(rng: random.Random, plan: DemoPlan) -> data.Place:
    return rng.choice(data.CN_PLACES if rng.random() < plan.locale_mix else data.US_PLACES)


def _address(ctx: _Ctx, rng: random.Random, place: data.Place) -> str:
    if place.country == "CN":
        return f"{place.city_local}{rng.choice(data.ZH_STREETS)}{rng.randrange(1, 999)}号"
    return rng.choice(ctx.pools.en_streets)


def _tag_ids(ctx: _Ctx, rng: random.Random, share: float) -> list[int]:
    if rng.random() >= share:
        return []
    return [ctx.org.tag_ids[name] for name in rng.sample(data.TAGS[:6], rng.choice((1, 1, 2)))]


# ---------------------------------------------------------------- accounts


def _group_layout(plan: DemoPlan) -> tuple[int, list[int | None]]:
    """(number of corporate groups, the group each account ordinal belongs to).

    Ordinals below the group count are the parents; group 0 is the story's
    group with twenty subsidiaries.
    """
    assert plan.accounts is not None
    total = plan.accounts
    groups = 0 if total < 21 else max(1, min(50, total // 200))
    rng = random.Random(f"{plan.seed}:groups")
    layout: list[int | None] = [None] * total
    ordinal = groups
    for group in range(groups):
        for _ in range(20 if group == 0 else rng.randint(5, 20)):
            if ordinal >= total:
                break
            layout[ordinal] = group
            ordinal += 1
    return groups, layout


def _owner_for(ctx: _Ctx, rng: random.Random, place: data.Place) -> tuple[int, int]:
    return rng.choice(ctx.org.reps[place.team]), ctx.org.team_ids[place.team]


def _account(ctx: _Ctx, rng: random.Random, ordinal: int, groups: int, group: int | None) -> tuple[Account, data.Place]:
    industry = rng.choice(data.INDUSTRIES)
    story = ordinal == 0 or group == 0
    if story:
        place = data.CN_PLACES[(ordinal - groups) % len(data.CN_PLACES)] if group == 0 else data.CN_PLACES[0]
    else:
        place = _place(rng, ctx.plan)
    brand, brand_pinyin = ("鼎盛", "dingsheng") if story else rng.choice(data.ZH_BRANDS)
    if ordinal < groups:  # a group's parent: held by the sales manager
        owner_id, team_id = ctx.org.manager.pk, ctx.org.team_ids["china-sales"]
        en_name = rng.choice(ctx.pools.en_companies)
        name = f"{brand}集团" if place.country == "CN" else f"{en_name} Holdings"
        domain = f"{brand_pinyin}.com.cn" if place.country == "CN" else _domain(en_name)
    else:
        owner_id, team_id = (ctx.org.reps[place.team][0], ctx.org.team_ids[place.team]) if story else _owner_for(ctx, rng, place)
        if story:
            name, domain = f"鼎盛集团（{place.city_local}）有限公司", f"{place.city.lower().replace(' ', '')}.dingsheng.com.cn"
        elif place.country == "CN":
            name = f"{place.city_local}{brand}{data.ZH_COMPANY_SUFFIX[industry]}"
            domain = f"{brand_pinyin}-{place.city.lower().replace(' ', '')}.com.cn"
        else:
            en_name = rng.choice(ctx.pools.en_companies)
            name, domain = en_name, _domain(en_name)
    account = Account(
        name=name,
        website=f"https://www.{domain}",
        employees=rng.choice((8, 25, 60, 150, 400, 1200, 5000)),
        industry=industry,
        region=place.province,
        country=place.country,
        city=place.city,
        address_line=_address(ctx, rng, place),
        postal_code=f"{place.postcode}{rng.randrange(1000):03d}" if place.country == "CN" else f"{place.postcode}{rng.randrange(100):02d}",
        owner_id=owner_id,
        team_id=team_id,
        shared_with_team=rng.random() < 0.4,
    )
    return account, place


def _domain(company: str) -> str:
    words = ["".join(ch for ch in w.lower() if ch.isascii() and ch.isalnum()) for w in company.split()]
    return "-".join(w for w in words if w and w not in {"and", "inc", "llc", "plc", "ltd", "group"})[:40] + ".com"


def _phase_ids(ctx: _Ctx, phase: str, model: type[Any], limit: int) -> list[int]:
    first_id = ctx.first_ids.get(phase)
    if first_id is None or limit <= 0:
        return []
    return list(model.objects.filter(pk__gte=first_id).order_by("pk").values_list("pk", flat=True)[:limit])


def _write_accounts(ctx: _Ctx, batch: int, start: int, stop: int) -> int:
    rng = ctx.rng("accounts", batch)
    groups, layout = ctx.groups, ctx.layout
    made = [_account(ctx, rng, ordinal, groups, layout[ordinal]) for ordinal in range(start, stop)]
    parents = [a for o, (a, _) in zip(range(start, stop), made, strict=True) if o < groups]
    if parents:
        Account.objects.bulk_create(parents)
        ctx.first_ids.setdefault("accounts", parents[0].pk)
    group_ids = _phase_ids(ctx, "accounts", Account, groups)
    rest = [a for o, (a, _) in zip(range(start, stop), made, strict=True) if o >= groups]
    for ordinal, account in zip(range(max(start, groups), stop), rest, strict=True):
        group = layout[ordinal]
        account.parent_id = group_ids[group] if group is not None else None
    Account.objects.bulk_create(rest)
    ctx.first_ids.setdefault("accounts", made[0][0].pk)
    rows = _batch_rows(ctx)
    for account, place in made:
        phone, e164 = _landline(rng, place)
        rows.point("phone", phone, e164, True, "work", owner="account", owner_id=account.pk)
        emails = []
        if rng.random() < 0.6:
            emails.append(f"info@{account.website.removeprefix('https://www.')}")
            rows.point("email", emails[0], emails[0], True, "work", owner="account", owner_id=account.pk)
        rows.search_terms("account", account, account.name, *emails)
        rows.tag(Account, "account", account.pk, _tag_ids(ctx, rng, 0.3))
        rows.interactions_for(rng, rng.randrange(3), zh=place.country == "CN", owner_id=account.owner_id, account_id=account.pk)
        rows.audit("account", account.pk, account.name, {"name": account.name, "owner_id": account.owner_id, "phones": [phone]})
    rows.write()
    return len(made)


def _load_accounts(ctx: _Ctx) -> None:
    """The accounts contacts are drawn from, in the order they were generated."""
    assert ctx.plan.accounts is not None
    first_id = ctx.first_ids.get("accounts")
    if first_id is None:
        ctx.accounts = []
        return
    fields = ("pk", "name", "website", "owner_id", "team_id", "shared_with_team", "industry", "region", "country", "city", "postal_code")
    ctx.accounts = list(Account.objects.filter(pk__gte=first_id).order_by("pk").values(*fields)[: ctx.plan.accounts])
    ctx.account_names = {a["pk"]: a["name"] for a in ctx.accounts}
    ctx.team_slugs = {pk: slug for slug, pk in ctx.org.team_ids.items()}


# ---------------------------------------------------------------- contacts and leads


def _write_contacts(ctx: _Ctx, batch: int, start: int, stop: int) -> int:
    rng = ctx.rng("contacts", batch)
    rows: list[tuple[Contact, list[tuple[str, str]], list[str], bool]] = []
    for _ in range(start, stop):
        account = rng.choice(ctx.accounts) if ctx.accounts and rng.random() < 0.8 else None
        if account is not None:
            zh = account["country"] == "CN"
            owner_id, team_id = account["owner_id"], account["team_id"]
            team_slug = ctx.team_slugs.get(team_id, "")
            if team_slug in ctx.org.reps and rng.random() < 0.1:
                owner_id = rng.choice(ctx.org.reps[team_slug])
            where = {k: account[k] for k in ("industry", "region", "country", "city", "postal_code")}
            address, domain, shared = "", account["website"].removeprefix("https://www."), account["shared_with_team"]
        else:
            place = _place(rng, ctx.plan)
            zh = place.country == "CN"
            owner_id, team_id = _owner_for(ctx, rng, place)
            where = {"industry": "", "region": place.province, "country": place.country, "city": place.city, "postal_code": ""}
            address, domain, shared = _address(ctx, rng, place), None, rng.random() < 0.3
        first, last, ascii_name = _person_name(ctx, rng, zh)
        lang = "zh" if zh else "en"
        phones = [_mobile(ctx, rng, where["country"])] if rng.random() < 0.95 else []
        emails = [_email(rng, ascii_name, zh, domain)] if rng.random() < 0.85 else []
        if rng.random() < 0.15:
            emails.append(_email(rng, ascii_name, zh, None))
        contact = Contact(
            first_name=first,
            last_name=last,
            full_name=compose_full_name(first, last),
            title=rng.choice(data.TITLES[lang]) if account else "",
            department=rng.choice(data.DEPARTMENTS[lang]) if account and rng.random() < 0.6 else "",
            language="zh-hans" if zh else "en",
            consent_email=bool(emails) and rng.random() < 0.6,
            consent_phone=bool(phones) and rng.random() < 0.5,
            consent_letter=rng.random() < 0.3,
            birthday=dt.date(rng.randrange(1955, 2004), rng.randrange(1, 13), rng.randrange(1, 29)) if rng.random() < 0.3 else None,
            account_id=account["pk"] if account else None,
            address_line=address,
            owner_id=owner_id,
            team_id=team_id,
            shared_with_team=shared,
            **where,
        )
        rows.append((contact, phones, list(dict.fromkeys(emails)), zh))
    insert_models([r[0] for r in rows])
    names = ctx.account_names
    out = _batch_rows(ctx)
    per_contact = ctx.plan.interactions_per_contact
    for contact, phones, emails, zh in rows:
        for i, (typed, e164) in enumerate(phones):
            out.point("phone", typed, e164, i == 0, "mobile", owner="contact", owner_id=contact.pk)
        for i, email in enumerate(emails):
            label = "work" if i == 0 and contact.account_id else "home"
            out.point("email", email, email, i == 0, label, owner="contact", owner_id=contact.pk)
        account_name = names[contact.account_id] if contact.account_id else ""
        out.search_terms("contact", contact, contact.full_name, contact.first_name, contact.last_name, account_name, *emails)
        out.tag(Contact, "contact", contact.pk, _tag_ids(ctx, rng, 0.3))
        count = int(rng.random() * (2 * per_contact + 1))
        out.interactions_for(rng, count, zh=zh, owner_id=contact.owner_id, contact_id=contact.pk, account_id=contact.account_id)
        changes = {"full_name": contact.full_name, "owner_id": contact.owner_id, "emails": emails, "phones": [p[0] for p in phones]}
        out.audit("contact", contact.pk, contact.full_name, changes)
    out.write()
    ctx.first_ids.setdefault("contacts", rows[0][0].pk)
    return len(rows)


def _write_leads(ctx: _Ctx, batch: int, start: int, stop: int) -> int:
    rng = ctx.rng("leads", batch)
    sources, source_weights = list(data.LEAD_SOURCES), list(data.LEAD_SOURCES.values())
    statuses, status_weights = list(data.LEAD_STATUSES), list(data.LEAD_STATUSES.values())
    rows: list[tuple[Lead, list[tuple[str, str]], list[str], bool]] = []
    for _ in range(start, stop):
        place = _place(rng, ctx.plan)
        zh = place.country == "CN"
        owner_id, team_id = _owner_for(ctx, rng, place)
        first, last, ascii_name = _person_name(ctx, rng, zh)
        industry = rng.choice(data.INDUSTRIES)
        if zh:
            brand, brand_pinyin = rng.choice(data.ZH_BRANDS)
            company, domain = f"{place.city_local}{brand}{data.ZH_COMPANY_SUFFIX[industry]}", f"{brand_pinyin}.cn"
        else:
            company = rng.choice(ctx.pools.en_companies)
            domain = _domain(company)
        source = rng.choices(sources, weights=source_weights)[0]
        lead = Lead(
            first_name=first,
            last_name=last,
            full_name=compose_full_name(first, last),
            title=rng.choice(data.TITLES["zh" if zh else "en"]),
            language="zh-hans" if zh else "en",
            company=company,
            company_size=rng.choice((10, 50, 200, 1000)),
            source=source,
            status=rng.choices(statuses, weights=status_weights)[0],
            consent_email=rng.random() < 0.7,
            industry=industry,
            region=place.province,
            country=place.country,
            city=place.city,
            owner_id=owner_id,
            team_id=team_id,
            shared_with_team=rng.random() < 0.5,
        )
        rows.append((lead, [_mobile(ctx, rng, place.country)], [_email(rng, ascii_name, zh, domain)], zh))
    insert_models([r[0] for r in rows])
    out = _batch_rows(ctx)
    trade_show = [ctx.org.tag_ids["Trade show 2025"]]
    for lead, phones, emails, zh in rows:
        out.point("phone", phones[0][0], phones[0][1], True, "mobile", owner="lead", owner_id=lead.pk)
        out.point("email", emails[0], emails[0], True, "work", owner="lead", owner_id=lead.pk)
        out.search_terms("lead", lead, lead.full_name, lead.first_name, lead.last_name, lead.company, *emails)
        out.tag(Lead, "lead", lead.pk, trade_show if lead.source == "Trade show" else [])
        out.interactions_for(rng, rng.randrange(3), zh=zh, owner_id=lead.owner_id, lead_id=lead.pk)
        out.audit("lead", lead.pk, str(lead), {"full_name": lead.full_name, "company": lead.company, "source": lead.source})
    out.write()
    return len(rows)


# ---------------------------------------------------------------- the angry caller (story 2)


def _story(ctx: _Ctx) -> None:
    """张伟 (Mr Zhang) of the group's Beijing subsidiary, who bought an X-200 on 12 March and now complains."""
    groups = ctx.groups
    subsidiary_ids = _phase_ids(ctx, "accounts", Account, groups + 1)
    rep, agent = ctx.org.rep_north, ctx.org.agent
    zhang = services.contact_create(
        actor=rep,
        data={
            "first_name": "伟",
            "last_name": "张",
            "title": "采购经理",
            "department": "采购部",
            "language": "zh-hans",
            "account_id": subsidiary_ids[groups] if len(subsidiary_ids) > groups else None,
            "phones": [{"value": "138 0013 8000", "label": "mobile"}],
            "emails": [{"value": "zhang.wei@beijing.dingsheng.com.cn", "label": "work"}],
            "region": "Beijing",
            "country": "CN",
            "city": "Beijing",
            "consent_email": True,
            "consent_phone": True,
            "tags": ["VIP"],
        },
        via="cli",
    )
    march = dt.datetime(ctx.anchor.year, 3, 12, 10, 30, tzinfo=dt.UTC)
    if march > ctx.anchor - dt.timedelta(days=14):
        march = march.replace(year=march.year - 1)
    days = dt.timedelta(days=1)
    timeline = (
        (
            rep,
            "face_to_face",
            "outbound",
            "产品讲座：X-200",
            "Lecture at the Beijing office; Mr Zhang asked for a quote.",
            march - 40 * days,
        ),
        (rep, "email", "outbound", "X-200 报价（10台）", "Quote sent: 10 × X-200.", march - 30 * days),
        (rep, "phone", "inbound", "Order confirmed: X-200 bought on 12 March", "Ordered one X-200 for the purchasing office.", march),
        (agent, "portal", "inbound", "Downloaded the X-200 manual", "", march + 20 * days),
        (
            agent,
            "phone",
            "inbound",
            "投诉：X-200 噪音大",
            "Mr Zhang says the X-200 bought on 12 March rattles. Promised a technician visit.",
            ctx.anchor - 3 * days,
        ),
        (agent, "chat", "inbound", "在线咨询：上门维修时间", "Technician booked for Friday morning.", ctx.anchor - 2 * days),
    )
    for actor, channel, direction, subject, body, when in timeline:
        services.interaction_log(
            actor=actor, channel=channel, direction=direction, subject=subject, body=body, occurred_at=when, contact_id=zhang.pk, via="cli"
        )
    if zhang.account_id is not None:
        sales_story(account=Account.objects.get(pk=zhang.account_id), today=ctx.anchor.date())
    # Payers among the subsidiaries after Mr Zhang's: the worker grades each after a payment, the nightly job (or
    # `rapport credit score`) those that have paid nothing.
    payer_ids = _phase_ids(ctx, "accounts", Account, groups + 2 + len(PAYERS))[groups + 1 :]
    payment_story(accounts=list(Account.objects.filter(pk__in=payer_ids[:-1]).order_by("pk")), today=ctx.anchor.date())
    suspicious_story(account=Account.objects.get(pk=payer_ids[-1]))
    # The manager's Monday (story 9): a catalogue, the reps' deals and quotes, their quotas; and story 1's routing rules.
    reps = {slug: User.objects.get(pk=ids[0]) for slug, ids in ctx.org.reps.items()}
    pipeline_story(
        admin=ctx.org.admin,
        manager=ctx.org.manager,
        reps=reps,
        accounts=ctx.accounts,
        anchor=ctx.anchor,
        seed=ctx.plan.seed,
        zhang=zhang,
        march=march,
    )
    if zhang.account_id is not None:
        _zhang_complaint(agent=agent, zhang=zhang, opened=ctx.anchor - 3 * days)


def _zhang_complaint(*, agent: User, zhang: Contact, opened: dt.datetime) -> None:
    """The X-200 that rattles, taken as a case three days ago: high priority, so a day to solve it, and past due now."""
    laptop = Product.objects.filter(sku="X200").first()
    case = case_open(
        actor=agent,
        data={
            "subject": "投诉：X-200 噪音大",
            "account_id": zhang.account_id,
            "contact_id": zhang.pk,
            "product_id": laptop.pk if laptop else None,
            "kind": "complaint",
            "priority": "high",
            "description": "Mr Zhang says the X-200 bought on 12 March rattles. Promised a technician visit.",
        },
        via="cli",
    )
    # Opened on the day of the call on his timeline (the service dates what it opens now).
    Case.objects.filter(pk=case.pk).update(created_at=opened, due_at=opened + RESOLVE_WITHIN[CasePriority.HIGH])


def _write_history(ctx: _Ctx, batch: int, start: int, stop: int) -> int:
    """Three years of orders for a batch of customers; those with orders of their own (the stories') keep just those."""
    accounts = ctx.accounts[start:stop]
    storied = set(Order.objects.filter(account_id__in=[a["pk"] for a in accounts]).values_list("account_id", flat=True))
    buyers = [
        Buyer(a["pk"], a["owner_id"], a["team_id"], "CNY" if a["country"] == "CN" else "USD", a["country"] == "CN")
        for a in accounts
        if a["pk"] not in storied
    ]
    products = {p.sku: p for p in Product.objects.filter(sku__in=PRICES)}
    history_write(
        buyers=buyers,
        products=products,
        prices=PRICES,
        rng=ctx.rng("purchase_history", batch),
        today=ctx.anchor.date(),
        agent_id=ctx.org.agent.pk,
    )
    return stop - start


# ---------------------------------------------------------------- running the phases


def _plan_row(plan: DemoPlan) -> tuple[DemoLoadPhase, dt.datetime]:
    wanted = asdict(plan)
    row, created = DemoLoadPhase.objects.get_or_create(
        phase="plan", defaults={"plan": {**wanted, "anchor": timezone.now().replace(microsecond=0).isoformat()}}
    )
    stored = {k: v for k, v in row.plan.items() if k != "anchor"}
    if not created and stored != wanted:
        differences = ", ".join(f"{k}={stored.get(k)!r}" for k in wanted if stored.get(k) != wanted[k])
        raise DemoConflict(f"This database holds demo data loaded with {differences}; run the demo with those options to resume it.")
    return row, dt.datetime.fromisoformat(row.plan["anchor"])


def _run_phase(
    ctx: _Ctx,
    phase: str,
    total: int,
    write: Callable[[_Ctx, int, int, int], int],
    progress: ProgressFactory,
    on_batch: Callable[[str, int], None] | None,
) -> None:
    state, _ = DemoLoadPhase.objects.get_or_create(phase=phase)
    if state.first_id is not None:
        ctx.first_ids[phase] = state.first_id
    size = ctx.plan.batch_size
    batches = -(-total // size)
    bar = progress(phase, total, min(total, state.rows_done))
    try:
        for batch in range(state.batches_done, batches):
            start, stop = batch * size, min(total, (batch + 1) * size)
            with transaction.atomic():
                written = write(ctx, batch, start, stop)
                state.first_id = ctx.first_ids.get(phase)
                state.batches_done = batch + 1
                state.rows_done += written
                state.finished = state.batches_done >= batches
                state.save()
                if on_batch is not None:
                    on_batch(phase, batch)
            bar.update(written)
    except BaseException:
        # The failed batch rolled back: forget what it wrote into the context.
        if state.batches_done == 0:
            ctx.first_ids.pop(phase, None)
        raise
    finally:
        bar.close()
    if not state.finished:
        DemoLoadPhase.objects.filter(pk=state.pk).update(finished=True)


def _tune_for_bulk_writes() -> None:
    """Session settings for a long load; both only trade durability of the last commits, which a resume redoes."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The default 2 MB page cache makes every index insert a disk read once the indexes outgrow it.
            cursor.execute("PRAGMA cache_size = -262144")
        elif connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO off")


def _no_progress(phase: str, total: int, done: int) -> Bar:
    return _NoBar()


def load_demo(
    plan: DemoPlan, *, progress: ProgressFactory = _no_progress, on_batch: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Load (or finish loading) the demo data for ``plan``; returns the rows each phase holds.

    ``on_batch(phase, batch)`` runs inside each batch's transaction, after its
    writes: raising there interrupts the load as Ctrl+C would.
    """
    plan = plan.resolved()
    assert plan.accounts is not None and plan.leads is not None
    if plan.batch_size < 1 or min(plan.contacts, plan.accounts, plan.leads) < 0 or not 0 <= plan.locale_mix <= 1:
        raise ValueError("Sizes must be positive and --locale-mix between 0 and 1.")
    _, anchor = _plan_row(plan)
    _tune_for_bulk_writes()
    with transaction.atomic():
        org = _org(plan)
    ctx = _Ctx(plan=plan, anchor=anchor, org=org, pools=data.pools(plan.seed))
    ctx.family_weights = list(accumulate(ctx.pools.zh_family_weights))
    ctx.groups, ctx.layout = _group_layout(plan)
    _run_phase(ctx, "accounts", plan.accounts, _write_accounts, progress, on_batch)
    _load_accounts(ctx)
    _run_phase(ctx, "contacts", plan.contacts, _write_contacts, progress, on_batch)
    _run_phase(ctx, "leads", plan.leads, _write_leads, progress, on_batch)
    story, _ = DemoLoadPhase.objects.get_or_create(phase="story")
    if not story.finished:
        with transaction.atomic():
            _story(ctx)
            DemoLoadPhase.objects.filter(pk=story.pk).update(finished=True, rows_done=1)
    _run_phase(ctx, "purchase_history", plan.accounts, _write_history, progress, on_batch)
    campaigns, _ = DemoLoadPhase.objects.get_or_create(phase="campaigns")
    if not campaigns.finished:
        # After the orders: a campaign's return is read from what its responders bought.
        with transaction.atomic():
            marketer = User.objects.get(username="marketer")
            campaign_story(marketer=marketer, manager=ctx.org.manager, today=ctx.anchor.date(), seed=plan.seed)
            DemoLoadPhase.objects.filter(pk=campaigns.pk).update(finished=True, rows_done=Campaign.objects.count())
    return {row.phase: row.rows_done for row in DemoLoadPhase.objects.exclude(phase="plan")}
