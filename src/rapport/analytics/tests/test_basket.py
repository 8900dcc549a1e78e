"""FP-growth and association rules against mlxtend's answers and a brute-force counter."""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics import basket

DATA = Path(__file__).parent / "data"


def _pairs(baskets: list[list]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.repeat(np.arange(len(baskets)), [len(b) for b in baskets])
    items = np.array([i for b in baskets for i in b], dtype=object)
    return ids, items


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((DATA / "mlxtend_reference.json").read_text())


def test_itemsets_and_rules_are_mlxtends(reference):
    ids, items = _pairs(reference["baskets"])
    data = basket.baskets_from_pairs(baskets=ids, items=items)
    itemsets = basket.frequent_itemsets(data, min_support=0.02)
    assert {s.items: s.support for s in itemsets} == {tuple(i): support for i, support in reference["itemsets"]}
    rules = basket.association_rules(itemsets, n_baskets=data.n_baskets, min_confidence=0.3)
    ours = {(r.antecedent, r.consequent): (r.support, r.confidence, r.lift, r.leverage, r.conviction) for r in rules}
    theirs = {(tuple(a), tuple(c)): tuple(measures) for a, c, *measures in reference["rules"]}
    assert ours.keys() == theirs.keys()
    for key, measures in theirs.items():
        assert ours[key] == pytest.approx(measures, rel=1e-12), key
    assert len(rules) == len(reference["rules"])


def _brute_force(baskets: list[set[int]], min_support: float) -> dict[tuple[int, ...], int]:
    items = sorted(set().union(*baskets)) if baskets else []
    found = {}
    for size in range(1, len(items) + 1):
        for candidate in combinations(items, size):
            count = sum(1 for b in baskets if b.issuperset(candidate))
            if count / float(len(baskets)) >= min_support:
                found[candidate] = count
    return found


@settings(max_examples=150, deadline=None)
@given(
    baskets=st.lists(st.sets(st.integers(0, 7), min_size=1, max_size=6), min_size=1, max_size=40),
    min_support=st.sampled_from([0.01, 0.05, 0.1, 0.25, 0.5, 1.0]),
)
def test_fp_growth_finds_exactly_the_itemsets_a_brute_force_count_finds(baskets, min_support):
    ids, items = _pairs([sorted(b) for b in baskets])
    data = basket.baskets_from_pairs(baskets=ids, items=items.astype(np.int64))
    found = {s.items: s.count for s in basket.frequent_itemsets(data, min_support=min_support)}
    assert found == _brute_force(baskets, min_support)


def test_an_item_twice_in_a_basket_counts_once():
    data = basket.baskets_from_pairs(baskets=[1, 1, 1, 2], items=["tea", "tea", "milk", "tea"])
    itemsets = basket.frequent_itemsets(data, min_support=0.5)
    assert [(s.items, s.count) for s in itemsets] == [(("milk",), 1), (("tea",), 2), (("milk", "tea"), 1)]


def test_max_length_stops_at_that_size():
    data = basket.baskets_from_pairs(baskets=[1, 1, 1, 2, 2, 2], items=["a", "b", "c", "a", "b", "c"])
    assert {len(s.items) for s in basket.frequent_itemsets(data, min_support=1.0, max_length=2)} == {1, 2}


def test_minimum_count_matches_the_float_test_mlxtend_applies():
    for n in (1, 7, 1000, 1_000_000, 999_983):
        for support in (0.001, 0.01, 0.1, 0.3, 1 / 3, 0.5, 1.0):
            count = basket.minimum_count(support, n)
            assert count / float(n) >= support
            assert count == 0 or (count - 1) / float(n) < support
    with pytest.raises(ValueError, match="minimum support"):
        basket.minimum_count(0.0, 10)


def test_a_rule_that_always_holds_has_infinite_conviction():
    data = basket.baskets_from_pairs(baskets=[1, 1, 2, 2, 3], items=["pen", "ink", "pen", "ink", "pen"])
    rules = basket.association_rules(basket.frequent_itemsets(data, min_support=0.1), n_baskets=3, min_confidence=0.0)
    by_rule = {(r.antecedent, r.consequent): r for r in rules}
    assert math.isinf(by_rule[("ink",), ("pen",)].conviction)
    assert by_rule[("pen",), ("ink",)].confidence == pytest.approx(2 / 3)
    assert by_rule[("pen",), ("ink",)].lift == pytest.approx((2 / 3) / (2 / 3))


def test_next_best_products_recommend_what_the_rules_say_and_the_customer_lacks():
    rules = [
        basket.Rule(("bread",), ("butter",), 0.5, 0.4, 0.3, 0.6, 1.5, 0.1, 1.5),
        basket.Rule(("bread",), ("jam",), 0.5, 0.2, 0.2, 0.4, 2.0, 0.1, 1.3),
        basket.Rule(("bread", "butter"), ("jam",), 0.3, 0.2, 0.25, 0.8, 4.0, 0.2, 4.0),
        basket.Rule(("milk",), ("cereal",), 0.3, 0.2, 0.1, 0.3, 1.5, 0.05, 1.1),
    ]
    purchases = {"ann": {"bread"}, "bob": {"bread", "butter"}, "cy": {"cereal"}}
    recommended = dict(basket.next_best_products(rules, purchases, top=2))
    assert recommended == {"ann": [("butter", 0.6, 1.5), ("jam", 0.4, 2.0)], "bob": [("jam", 0.8, 4.0)]}
