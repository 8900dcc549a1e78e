"""Lead-import test data: regional rules and reps, files of cards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def regional_rules(users: dict[str, Any], teams: dict[str, Any]) -> dict[str, Any]:
    """Energy leads to the manager; Jiangsu/Zhejiang to the north team (round robin); Guangdong to the south rep."""
    from rapport.sales.assignment import assignment_rule_create

    admin = users["admin"]
    energy = assignment_rule_create(
        actor=admin,
        data={
            "name": "Energy",
            "conditions": [{"field": "industry", "operator": "equals", "value": "Energy"}],
            "owner_id": users["manager"].pk,
        },
    )
    east = assignment_rule_create(
        actor=admin,
        data={
            "name": "East China",
            "conditions": [{"field": "region", "operator": "in", "value": ["Jiangsu", "Zhejiang"]}],
            "team_id": teams["north"].pk,
        },
    )
    south = assignment_rule_create(
        actor=admin,
        data={
            "name": "South China",
            "conditions": [{"field": "region", "operator": "equals", "value": "Guangdong"}],
            "owner_id": users["south_rep"].pk,
        },
    )
    return {"energy": energy, "east": east, "south": south}


@pytest.fixture
def vcard() -> Callable[..., bytes]:
    def make(*cards: dict[str, str]) -> bytes:
        lines = []
        for card in cards:
            lines += ["BEGIN:VCARD", "VERSION:3.0", f"FN:{card['name']}", f"N:{card['name']};;;;"]
            if card.get("org"):
                lines.append(f"ORG:{card['org']}")
            if card.get("tel"):
                lines.append(f"TEL;TYPE=CELL:{card['tel']}")
            if card.get("email"):
                lines.append(f"EMAIL:{card['email']}")
            if card.get("region"):
                lines.append(f"ADR;TYPE=WORK:;;1 Main St;City;{card['region']};100000;China")
            if card.get("industry"):
                lines.append(f"X-INDUSTRY:{card['industry']}")
            lines.append("END:VCARD")
        return ("\r\n".join(lines) + "\r\n").encode()

    return make
