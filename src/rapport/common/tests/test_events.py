"""Domain events reach subscribers only after the write commits."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from rapport.common import events


@dataclass(frozen=True)
class Thing:
    name: str


@dataclass(frozen=True)
class SpecialThing(Thing):
    pass


@pytest.fixture
def received():
    got: list[Thing] = []

    def handler(event: Thing) -> None:
        got.append(event)

    events.subscribe(Thing)(handler)
    yield got
    events.unsubscribe(Thing, handler)


@pytest.mark.django_db(transaction=True)
def test_delivered_after_commit_not_before(received):
    with transaction.atomic():
        events.publish(Thing("a"))
        assert received == []
    assert received == [Thing("a")]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_write_announces_nothing(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(Thing("b"))
        raise RuntimeError("boom")
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_subclasses_reach_base_subscribers_and_a_failing_handler_is_isolated(received):
    def broken(event: Thing) -> None:
        raise ValueError("handler bug")

    events.subscribe(Thing)(broken)
    try:
        events.publish(SpecialThing("c"))
    finally:
        events.unsubscribe(Thing, broken)
    assert received == [SpecialThing("c")]
