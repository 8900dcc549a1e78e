"""The trade-show sample file: what the generator writes, and what the import makes of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.customers.lead_files import parse
from rapport.dataops.trade_show import trade_show_cards

SAMPLE = Path(__file__).resolve().parents[4] / "docs" / "samples" / "trade-show-500-cards.vcf"


def test_the_sample_file_is_the_generators_output():
    """docs/samples/ holds exactly what ``scripts/make_trade_show_cards.py`` writes."""
    assert SAMPLE.read_bytes() == trade_show_cards()


def test_the_sample_holds_500_cards_in_chinese_and_english_with_cn_and_international_phones():
    rows = parse(SAMPLE.read_bytes(), file_format="vcard").rows
    assert len(rows) == 500 and not any(r.problems for r in rows)
    names = [r.data["full_name"] for r in rows]
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names) > 300
    assert sum(n.isascii() for n in names) > 100
    phones = [p["value"] for r in rows for p in r.data["phones"]]
    assert any(p.startswith(("+86", "0086")) for p in phones) and any(p.startswith("13") for p in phones)
    assert {p.split()[0] for p in phones if p.startswith("+") and not p.startswith("+86")} >= {"+1", "+44", "+49"}


@pytest.mark.django_db
def test_the_rules_are_added_once(users, teams):
    from rapport.core.services import team_get_or_create
    from rapport.dataops.trade_show import trade_show_rules

    for slug, name in (("north-china", "North China"), ("east-china", "East China")):
        team_get_or_create(slug=slug, name=name)
    made = trade_show_rules(actor=users["admin"])
    assert [r.name for r in made] == ["Energy key accounts", "North China", "East China"]
    assert trade_show_rules(actor=users["admin"]) == []
