"""Market-basket analysis: frequent itemsets (FP-growth), association rules, next-best product.

FP-growth by recursive projection on numpy arrays instead of a pointer-linked tree: items are ranked
by descending frequency and each basket is kept sorted by rank, so the conditional database of an
item is, for every basket holding it, the run of more frequent items before it. A projection is a
handful of vectorised gathers, infrequent items are dropped at every level, and only one branch of
projections is alive at a time, which bounds memory by the input plus a few times its size.

Supports, confidences and the other rule measures are computed with the same floating-point
operations as mlxtend's ``fpgrowth`` and ``association_rules``, so results are identical to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

from rapport.analytics.summary import factorize

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Baskets:
    """Baskets as compressed rows of item codes; ``items[code]`` is the item's own label.

    Codes number the items from the most popular down and each row is sorted by code.
    """

    indptr: IntArray
    codes: IntArray
    items: npt.NDArray[Any]

    @property
    def n_baskets(self) -> int:
        return len(self.indptr) - 1


@dataclass(frozen=True)
class Itemset:
    items: tuple[Any, ...]
    count: int
    support: float


@dataclass(frozen=True)
class Rule:
    antecedent: tuple[Any, ...]
    consequent: tuple[Any, ...]
    antecedent_support: float
    consequent_support: float
    support: float
    confidence: float
    lift: float
    leverage: float
    conviction: float


def baskets_from_pairs(*, baskets: npt.ArrayLike, items: npt.ArrayLike) -> Baskets:
    """One row per (basket, item) line of an order file; an item twice in a basket counts once."""
    basket_codes, _ = factorize(baskets)
    item_codes, labels = factorize(items)
    if len(basket_codes) != len(item_codes):
        raise ValueError("baskets and items must have the same length")
    n_items = max(len(labels), 1)
    # Codes count from the most popular item down: FP-growth wants each basket in that order, and
    # numbering items so makes the one sort below do it (popularity counts repeated lines too,
    # which only affects the order, never the result).
    popularity = np.argsort(-np.bincount(item_codes, minlength=len(labels)), kind="stable")
    code_of = np.empty(len(labels), dtype=np.int64)
    code_of[popularity] = np.arange(len(labels))
    labels = labels[popularity]
    # A stable sort is fast on order lines that already come basket by basket.
    keys = np.sort(basket_codes * n_items + code_of[item_codes], kind="stable")
    pairs = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    rows = pairs // n_items
    n_baskets = int(rows[-1]) + 1 if len(rows) else 0
    indptr = np.zeros(n_baskets + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_baskets), out=indptr[1:])
    return Baskets(indptr=indptr, codes=pairs % n_items, items=labels)


def minimum_count(min_support: float, n_baskets: int) -> int:
    """The least count whose support ``count / n`` passes ``>= min_support``, as mlxtend tests it."""
    if not 0 < min_support <= 1:
        raise ValueError("the minimum support must be above 0 and at most 1")
    count = max(math.ceil(min_support * n_baskets) - 1, 0)
    while count / float(n_baskets) < min_support:
        count += 1
    return count


def _mine(
    rank: npt.NDArray[np.int16],
    row_start: IntArray,
    counts: IntArray,
    prefix: tuple[int, ...],
    min_count: int,
    found: list[tuple[tuple[int, ...], int]],
) -> None:
    """Emit every frequent extension of ``prefix`` found in its conditional database.

    ``rank`` holds the database's entries basket by basket, each basket sorted by rank, and
    ``row_start[e]`` is where entry e's basket begins; every item in it is frequent here.
    """
    present = np.flatnonzero(counts >= min_count)
    found.extend(((*prefix, code), int(counts[code])) for code in present.tolist())
    if len(present) == 0:
        return
    # Entries grouped by item (radix sort on int16), each group in basket order.
    order = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[order], present)
    ends = np.r_[bounds[1:], len(order)]
    for item, lo, hi in zip(present.tolist(), bounds.tolist(), ends.tolist(), strict=True):
        if item == 0:
            continue  # nothing ranks before the most frequent item
        at = order[lo:hi]
        lengths = at - row_start[at]
        keep = lengths > 0
        at, lengths = at[keep], lengths[keep]
        if len(at) == 0:
            continue
        offsets = np.cumsum(lengths) - lengths
        sub_rank = rank[np.repeat(row_start[at] - offsets, lengths) + np.arange(int(offsets[-1] + lengths[-1]))]
        sub_counts = np.bincount(sub_rank, minlength=item)
        frequent = sub_counts >= min_count
        if not frequent.any():
            continue
        kept_entries = frequent[sub_rank]
        sub_rank = sub_rank[kept_entries]
        # Each projected basket now starts where its kept entries start.
        kept_before: IntArray = np.cumsum(kept_entries) - kept_entries
        new_lengths = np.add.reduceat(kept_entries, offsets, dtype=np.int64)
        sub_row_start: IntArray = np.repeat(kept_before[offsets], new_lengths)
        _mine(sub_rank, sub_row_start, np.where(frequent, sub_counts, 0), (*prefix, item), min_count, found)


def frequent_itemsets(data: Baskets, *, min_support: float, max_length: int | None = None) -> list[Itemset]:
    """Every itemset whose support (share of baskets holding it) is at least ``min_support``."""
    n = data.n_baskets
    if n == 0:
        return []
    min_count = minimum_count(min_support, n)
    item_counts = np.bincount(data.codes, minlength=len(data.items))
    frequent = item_counts >= min_count
    by_count = np.flatnonzero(frequent)
    # Renumbering the frequent items 0..k-1 keeps their order, so each basket stays sorted.
    rank_of_code = np.cumsum(frequent) - 1
    kept = frequent[data.codes]
    ranks = rank_of_code[data.codes[kept]]
    kept_per_row = np.add.reduceat(kept, data.indptr[:-1], dtype=np.int64) if len(kept) else np.zeros(n, dtype=np.int64)
    kept_per_row[np.diff(data.indptr) == 0] = 0
    starts = np.cumsum(kept_per_row) - kept_per_row
    row_start = np.repeat(starts, kept_per_row)
    rank_dtype = np.int16 if len(by_count) < 2**15 else np.int64
    found: list[tuple[tuple[int, ...], int]] = []
    _mine(ranks.astype(rank_dtype), row_start, np.bincount(ranks, minlength=len(by_count)), (), min_count, found)
    result = []
    for ranked, count in found:
        if max_length is not None and len(ranked) > max_length:
            continue
        labels = tuple(sorted(data.items[by_count[list(ranked)]].tolist()))
        result.append(Itemset(items=labels, count=count, support=count / float(n)))
    result.sort(key=lambda s: (len(s.items), s.items))
    return result


def association_rules(itemsets: Sequence[Itemset], *, n_baskets: int, min_confidence: float) -> list[Rule]:
    """Every rule A -> C from a frequent itemset whose confidence is at least ``min_confidence``.

    The measures use mlxtend's exact arithmetic: support = count / n, confidence =
    (s(AC) * n) / (s(A) * n), lift = confidence / s(C), leverage = s(AC) - s(A) s(C),
    conviction = (1 - s(C)) / (1 - confidence), infinite when the confidence is 1.
    """
    support = {frozenset(s.items): s.support for s in itemsets}
    n = float(n_baskets)
    rules = []
    for itemset in itemsets:
        whole = frozenset(itemset.items)
        s_ac = itemset.support
        for size in range(len(itemset.items) - 1, 0, -1):
            for chosen in combinations(itemset.items, size):
                antecedent = frozenset(chosen)
                consequent = whole - antecedent
                s_a, s_c = support[antecedent], support[consequent]
                confidence = (s_ac * n) / (s_a * n)
                if confidence < min_confidence:
                    continue
                rules.append(
                    Rule(
                        antecedent=tuple(chosen),
                        consequent=tuple(sorted(consequent)),
                        antecedent_support=s_a,
                        consequent_support=s_c,
                        support=s_ac,
                        confidence=confidence,
                        lift=confidence / s_c,
                        leverage=s_ac - s_a * s_c,
                        conviction=(1.0 - s_c) / (1.0 - confidence) if confidence < 1.0 else math.inf,
                    )
                )
    return rules


def next_best_products(
    rules: Sequence[Rule], purchases: dict[Any, set[Any]], *, top: int = 3
) -> Iterator[tuple[Any, list[tuple[Any, float, float]]]]:
    """For each customer, the products the rules recommend most strongly that they have not bought.

    A rule applies when the customer bought its whole antecedent; each consequent product gets the
    best confidence (then lift) of the rules that recommend it. Yields (customer, [(product,
    confidence, lift), ...]) for customers with at least one recommendation.
    """
    by_item: dict[Any, list[Rule]] = {}
    for rule in rules:
        by_item.setdefault(rule.antecedent[0], []).append(rule)
    for customer, bought in purchases.items():
        best: dict[Any, tuple[float, float]] = {}
        for item in bought:
            for rule in by_item.get(item, ()):
                if not bought.issuperset(rule.antecedent):
                    continue
                for product in rule.consequent:
                    if product in bought:
                        continue
                    score = (rule.confidence, rule.lift)
                    if score > best.get(product, (-1.0, -1.0)):
                        best[product] = score
        if best:
            ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1], str(kv[0])))[:top]
            yield customer, [(product, conf, lift) for product, (conf, lift) in ranked]
