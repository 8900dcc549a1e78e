"""Visibility is one rule, whichever door you look through.

Hypothesis builds a small organisation — a tree of teams, users of random
roles reporting to each other, contacts with random owners, teams and sharing
— and for a random user checks that the contacts seen through the API list,
the API search, both CSV exports and the contacts list page are exactly the
set the rules of docs/adr/0002-visibility.md give, computed here from scratch.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.common.testing import ApiClient
from rapport.core.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
WORD = "Quetzalword"  # every contact of an example has it, so search finds them all
ROLES = [Role.ADMINISTRATOR, Role.SERVICE_AGENT, Role.MARKETER, Role.SALES_MANAGER, Role.ANALYST, Role.SALES_REP, Role.SALES_REP]


@dataclass(frozen=True)
class Person:
    role: str
    team: int | None  # index into the teams
    manager: int | None  # index of an earlier person


@dataclass(frozen=True)
class Record:
    owner: int
    team: int | None
    shared: bool


@st.composite
def organisations(draw: Any) -> tuple[list[int | None], list[Person], list[Record], int]:
    n_teams = draw(st.integers(1, 4))
    teams = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, n_teams)]
    team = st.one_of(st.none(), st.integers(0, n_teams - 1))
    n_people = draw(st.integers(1, 5))
    people = [
        Person(draw(st.sampled_from(ROLES)), draw(team), draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None)
        for i in range(n_people)
    ]
    records = draw(st.lists(st.builds(Record, st.integers(0, n_people - 1), team, st.booleans()), max_size=10))
    return teams, people, records, draw(st.integers(0, n_people - 1))


def _below(start: int, parent_of: dict[int, int | None]) -> set[int]:
    found = {start}
    changed = True
    while changed:
        changed = False
        for child, parent in parent_of.items():
            if parent in found and child not in found:
                found.add(child)
                changed = True
        # loops are impossible: parents are always drawn from earlier items
    return found


def expected_visible(viewer: int, people: list[Person], records: list[Record], teams: list[int | None]) -> set[int]:
    """The ADR's table, implemented naively over the drawn indexes."""
    me = people[viewer]
    if me.role in (Role.ADMINISTRATOR, Role.SERVICE_AGENT, Role.MARKETER):
        return set(range(len(records)))
    if me.role in (Role.SALES_MANAGER, Role.ANALYST):
        subtree = _below(me.team, dict(enumerate(teams))) if me.team is not None else set()
        tree = _below(viewer, {i: p.manager for i, p in enumerate(people)})
        return {i for i, r in enumerate(records) if r.owner in tree or (r.team is not None and r.team in subtree)}
    return {i for i, r in enumerate(records) if r.owner == viewer or (r.shared and r.team is not None and r.team == me.team)}


def _build(teams: list[int | None], people: list[Person], records: list[Record]) -> tuple[list[Any], list[int]]:
    from rapport.core.services import team_get_or_create, user_create
    from rapport.customers.services import contact_create

    made_teams: list[Any] = []
    for i, parent in enumerate(teams):
        made_teams.append(team_get_or_create(slug=f"t{i}", name=f"T{i}", parent=made_teams[parent] if parent is not None else None))
    users: list[Any] = []
    for i, person in enumerate(people):
        users.append(
            user_create(
                username=f"u{i}",
                password=PASSWORD,
                role=person.role,
                team=made_teams[person.team] if person.team is not None else None,
                manager=users[person.manager] if person.manager is not None else None,
            )
        )
    root = user_create(username="root", password=PASSWORD, role=Role.ADMINISTRATOR)
    ids = []
    for i, record in enumerate(records):
        data = {
            "last_name": f"{WORD} {i}",
            "owner_id": users[record.owner].pk,
            "team_id": made_teams[record.team].pk if record.team is not None else None,
            "shared_with_team": record.shared,
        }
        ids.append(contact_create(actor=root, data=data).pk)
    return users, ids


def _csv_ids(response: Any) -> set[int]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {int(row["id"]) for row in csv.DictReader(io.StringIO(text))}


def _seen_through_every_door(user: Any) -> dict[str, set[int]]:
    from rapport.core.services import token_issue

    _, secret = token_issue(user=user)
    api = ApiClient(secret)
    page = Client()
    page.force_login(user)
    listed = api.get("contacts", {"q": WORD, "limit": 100})
    found = api.get("search", {"q": WORD, "limit": 25})
    assert listed.status_code == found.status_code == 200
    return {
        "api list": {item["id"] for item in listed.json()["items"]},
        "api search": {item["id"] for item in found.json()["contacts"]},
        "api export": _csv_ids(api.get("contacts/export.csv", {"q": WORD})),
        "page export": _csv_ids(page.get("/contacts/export.csv", {"q": WORD})),
        "list page": {c.pk for c in page.get("/contacts/", {"q": WORD}).context["page"].items},
    }


@given(organisations())
@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
def test_every_door_shows_exactly_what_the_rules_allow(db, organisation):
    teams, people, records, viewer = organisation
    with transaction.atomic():
        users, ids = _build(teams, people, records)
        expected = {ids[i] for i in expected_visible(viewer, people, records, teams)}
        seen = _seen_through_every_door(users[viewer])
        transaction.set_rollback(True)
    for door, visible in seen.items():
        assert visible == expected, f"{door} as a {people[viewer].role}: {sorted(visible)} != rules {sorted(expected)}"
