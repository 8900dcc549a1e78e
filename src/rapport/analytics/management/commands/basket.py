"""``rapport basket rules``: frequent itemsets and association rules (FP-growth) from any order-lines CSV."""

from __future__ import annotations

import csv
import math
from typing import Any

import numpy as np
from django.core.management.base import CommandParser

from rapport.analytics import basket
from rapport.analytics.management.base import ModelCommand
from rapport.analytics.tables import Column, Kind, read_columns


class Command(ModelCommand):
    help = "Market-basket analysis on an order-lines file. `rapport basket rules --help` for the options."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        rules = actions.add_parser(
            "rules",
            help="frequent itemsets and association rules (support, confidence, lift) by FP-growth",
            description=(
                "Find every itemset bought together in at least --min-support of the baskets and every rule "
                "A -> C among them with confidence at least --min-confidence. Prints JSON. With --customer and "
                "--output, also writes each customer's next-best products."
            ),
        )
        rules.add_argument("--baskets", required=True, metavar="FILE.csv", help="CSV file with a header line, one item of a basket a line")
        rules.add_argument("--basket", required=True, metavar="COL", help="column holding the basket (order) id")
        rules.add_argument("--item", required=True, metavar="COL", help="column holding the item (product)")
        rules.add_argument("--min-support", required=True, type=float, metavar="X", help="least share of baskets, 0 to 1")
        rules.add_argument("--min-confidence", required=True, type=float, metavar="Y", help="least confidence of a rule, 0 to 1")
        rules.add_argument("--max-length", type=int, metavar="N", help="longest itemset to report")
        rules.add_argument("--customer", metavar="COL", help="column holding the customer id, for next-best products")
        rules.add_argument("--output", metavar="FILE.csv", help="write each customer's next-best products here (needs --customer)")
        rules.add_argument("--top", type=int, default=3, metavar="N", help="next-best products per customer (default: 3)")
        rules.add_argument("--delimiter", default=",", help="field separator of the file (default: ,)")

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        if not 0 < options["min_support"] <= 1:
            raise ValueError("--min-support must be above 0 and at most 1")
        if not 0 <= options["min_confidence"] <= 1:
            raise ValueError("--min-confidence must be between 0 and 1")
        if options["max_length"] is not None and options["max_length"] < 1:
            raise ValueError("--max-length must be at least 1")
        if bool(options["customer"]) != bool(options["output"]):
            raise ValueError("--customer and --output go together: next-best products need both")
        wanted: list[tuple[str, str, Kind]] = [(options["basket"], "--basket", "id"), (options["item"], "--item", "id")]
        if options["customer"]:
            wanted.append((options["customer"], "--customer", "id"))
        columns = read_columns(options["baskets"], wanted, delimiter=options["delimiter"])
        item_labels = _labels(columns[options["item"]])
        data = basket.baskets_from_pairs(baskets=columns[options["basket"]].ids(), items=item_labels)
        self.progress(f"read {len(item_labels):,} lines: {data.n_baskets:,} baskets of {len(data.items):,} items")
        itemsets = basket.frequent_itemsets(data, min_support=options["min_support"], max_length=options["max_length"])
        self.progress(f"found {len(itemsets):,} frequent itemsets")
        rules = basket.association_rules(itemsets, n_baskets=data.n_baskets, min_confidence=options["min_confidence"])
        self.progress(f"derived {len(rules):,} rules")
        recommended = None
        if options["customer"]:
            recommended = _write_next_best(options["output"], columns[options["customer"]], item_labels, rules, options["top"])
            self.progress(f"wrote next-best products for {recommended:,} customers to {options['output']}")
        return {
            "baskets": data.n_baskets,
            "items": len(data.items),
            "min_support": options["min_support"],
            "min_confidence": options["min_confidence"],
            "itemsets": [{"items": list(s.items), "count": s.count, "support": s.support} for s in itemsets],
            "rules": [
                {
                    "antecedent": list(r.antecedent),
                    "consequent": list(r.consequent),
                    "antecedent_support": r.antecedent_support,
                    "consequent_support": r.consequent_support,
                    "support": r.support,
                    "confidence": r.confidence,
                    "lift": r.lift,
                    "leverage": r.leverage,
                    # JSON has no infinity: a rule that always holds has no finite conviction.
                    "conviction": r.conviction if math.isfinite(r.conviction) else None,
                }
                for r in rules
            ],
            "customers_with_recommendations": recommended,
        }


def _labels(column: Column) -> np.ndarray:
    ids = column.ids()
    if ids.dtype.kind == "S":
        return np.array([v.decode("utf-8", errors="replace") for v in ids.tolist()], dtype=object)
    return ids


def _write_next_best(path: str, customers: Column, items: np.ndarray, rules: list[basket.Rule], top: int) -> int:
    if top < 1:
        raise ValueError("--top must be at least 1")
    purchases: dict[Any, set[Any]] = {}
    for customer, item in zip(_labels(customers).tolist(), items.tolist(), strict=True):
        purchases.setdefault(customer, set()).add(item)
    written = 0
    try:
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["customer", "rank", "product", "confidence", "lift"])
            for customer, products in basket.next_best_products(rules, purchases, top=top):
                written += 1
                for rank, (product, confidence, lift) in enumerate(products, start=1):
                    writer.writerow([customer, rank, product, confidence, lift])
    except OSError as exc:
        raise ValueError(f"--output: cannot write {path}: {exc.strerror or exc}") from exc
    return written
