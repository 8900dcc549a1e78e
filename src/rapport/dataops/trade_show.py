"""The trade-show story's data: 500 business cards as one vCard file, and the routing rules that spread them.

``trade_show_cards`` writes the cards marketing brings back from an
exhibition: Chinese and English names, Chinese mobiles and landlines typed the
way people type them, international numbers, companies in the demo's
industries and provinces. A few cards were scanned twice and a few carry a
number no phone can have, so the import's preview has something to show.
``docs/samples/trade-show-500-cards.vcf`` is this function's output
(``scripts/make_trade_show_cards.py`` writes it again).

``trade_show_rules`` adds the regional routing rules the demo's teams need:
energy companies to the key-account manager, then each province to its
regional team, international cards to the international team.
"""

from __future__ import annotations

import random
from typing import Any

import phonenumbers

from rapport.core.models import Team, User
from rapport.dataops import demo_data as data
from rapport.sales.assignment import assignment_rule_create
from rapport.sales.models import AssignmentRule

ABROAD = (
    # country code, country name on the card, region, city, dialling prefix, national digits
    ("DE", "Germany", "Berlin", "Berlin", "+49 30", 8),
    ("DE", "Germany", "Bavaria", "Munich", "+49 89", 8),
    ("GB", "United Kingdom", "England", "London", "+44 20", 8),
    ("SG", "Singapore", "Singapore", "Singapore", "+65 9", 7),
    ("JP", "Japan", "Tokyo", "Tokyo", "+81 3", 8),
)
PROVINCES_OF = {slug: sorted({p.province for p in data.CN_PLACES if p.team == slug}) for slug, _ in data.REGIONS if slug != "international"}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 6350 folding: at most 75 octets a line, continuation lines start with a space."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def _valid_number(rng: random.Random, prefix: str, digits: int) -> str:
    for _ in range(200):
        national = f"{rng.randrange(10 ** (digits - 1), 10**digits)}"
        typed = f"{prefix} {national[:4]} {national[4:]}"
        if phonenumbers.is_valid_number(phonenumbers.parse(typed, None)):
            return typed
    raise RuntimeError(f"no valid number found for {prefix}")


def _chinese_card(rng: random.Random, pools: data.Pools, index: int) -> dict[str, Any]:
    place = rng.choice(data.CN_PLACES)
    family = rng.choices(pools.zh_family, weights=pools.zh_family_weights)[0]
    given = rng.choice(pools.zh_given)
    industry = rng.choice(data.INDUSTRIES)
    brand, brand_pinyin = rng.choice(data.ZH_BRANDS)
    digits = rng.choice(pools.cn_mobile_prefixes) + f"{rng.randrange(10**8):08d}"
    phones = [("CELL", data.typed_cn_mobile(digits, index % 5))]
    landline = f"0{place.area_code}-{rng.randrange(6000_0000, 8999_9999)}"
    if index % 3 == 0 and phonenumbers.is_valid_number(phonenumbers.parse(landline, "CN")):
        phones.append(("WORK", landline))
    return {
        "family": family,
        "given": given,
        "fn": family + given,
        "org": f"{place.city_local}{brand}{data.ZH_COMPANY_SUFFIX[industry]}",
        "title": rng.choice(data.TITLES["zh"]),
        "phones": phones,
        "email": f"{data.pinyin(given)}.{data.pinyin(family)}@{brand_pinyin}-{index}.example.cn",
        "adr": (
            "",
            "",
            f"{rng.choice(data.ZH_STREETS)}{rng.randrange(1, 999)}号",
            place.city,
            place.province,
            f"{place.postcode}000",
            "China",
        ),
        "industry": industry,
    }


def _international_card(rng: random.Random, pools: data.Pools, index: int) -> dict[str, Any]:
    first, last = rng.choice(pools.en_first), rng.choice(pools.en_last)
    company = rng.choice(pools.en_companies)
    if index % 2:
        place = rng.choice(data.US_PLACES)
        area, exchange = rng.choice([e for e in pools.us_exchanges if e[0] == place.area_code] or pools.us_exchanges)
        phone = f"+1 ({area}) {exchange}-{rng.randrange(10**4):04d}"
        adr = (
            "",
            "",
            rng.choice(pools.en_streets),
            place.city,
            place.province,
            f"{place.postcode}{rng.randrange(10, 99)}",
            "United States",
        )
    else:
        _code, country, region, city, prefix, digits = rng.choice(ABROAD)
        phone = _valid_number(rng, prefix, digits)
        adr = ("", "", rng.choice(pools.en_streets), city, region, f"{rng.randrange(10000, 99999)}", country)
    slug = "".join(ch for ch in company.lower() if ch.isalnum())[:20] or "company"
    return {
        "family": last,
        "given": first,
        "fn": f"{first} {last}",
        "org": company,
        "title": rng.choice(data.TITLES["en"]),
        "phones": [("WORK", phone)],
        "email": f"{first.lower()}.{last.lower()}@{slug}-{index}.example.com",
        "adr": adr,
        "industry": rng.choice(data.INDUSTRIES),
    }


def _vcard(card: dict[str, Any], note: str) -> list[str]:
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{_escape(card['family'])};{_escape(card['given'])};;;",
        f"FN:{_escape(card['fn'])}",
        f"ORG:{_escape(card['org'])}",
        f"TITLE:{_escape(card['title'])}",
        *(f"TEL;TYPE={kind}:{number}" for kind, number in card["phones"]),
        f"EMAIL;TYPE=INTERNET,WORK:{card['email']}",
        "ADR;TYPE=WORK:" + ";".join(_escape(part) for part in card["adr"]),
        f"X-INDUSTRY:{_escape(card['industry'])}",
    ]
    if note:
        lines.append(f"NOTE:{_escape(note)}")
    lines.append("END:VCARD")
    return [folded for line in lines for folded in _fold(line)]


def trade_show_cards(*, count: int = 500, seed: int = 2026, show: str = "Expo 2026") -> bytes:
    """``count`` business cards as one vCard 3.0 file (CRLF lines, UTF-8); the same seed gives the same bytes."""
    rng = random.Random(f"{seed}:trade-show")
    pools = data.pools(seed)
    cards = [(_chinese_card if rng.random() < 0.7 else _international_card)(rng, pools, index) for index in range(count - count // 100)]
    # A card in a hundred was scanned twice; three carry a number no phone has.
    cards += [dict(rng.choice(cards)) for _ in range(count // 100)]
    rng.shuffle(cards)
    for card in cards[5:8]:
        card["phones"] = [("CELL", "12345")]
    lines: list[str] = []
    for index, card in enumerate(cards):
        note = f"Met at {show}, booth visit; interested in the X-300 line." if index % 4 == 0 else ""
        lines += _vcard(card, note)
    return ("\r\n".join(lines) + "\r\n").encode()


def trade_show_rules(*, actor: User) -> list[AssignmentRule]:
    """The regional routing rules (added once; existing rules of the same name are kept)."""
    teams = {t.slug: t for t in Team.objects.filter(slug__in=[slug for slug, _ in data.REGIONS])}
    manager = User.objects.filter(username="manager", is_active=True).first()
    wanted: list[dict[str, Any]] = []
    if manager is not None:
        energy = [{"field": "industry", "operator": "equals", "value": "Energy"}]
        wanted.append({"name": "Energy key accounts", "conditions": energy, "owner_id": manager.pk})
    for slug, name in data.REGIONS:
        if slug not in teams:
            continue
        if slug == "international":
            condition = {"field": "country", "operator": "in", "value": [code for code, *_ in ABROAD] + ["US"]}
        else:
            condition = {"field": "region", "operator": "in", "value": PROVINCES_OF[slug]}
        wanted.append({"name": name, "conditions": [condition], "team_id": teams[slug].pk, "follow_up_hours": 24})
    existing = set(AssignmentRule.objects.values_list("name", flat=True))
    return [assignment_rule_create(actor=actor, data=rule) for rule in wanted if rule["name"] not in existing]
