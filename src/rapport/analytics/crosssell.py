"""Cross-sell stored for the operational side: "customers who bought X also buy Y" and next-best products.

After each warehouse scoring run the association rules are mined from the order baskets (FP-growth in
``basket``; one product on each side, so a rule reads as a sentence) and kept in ``CrossSellRule``;
each account's best three products it has not bought yet go to ``NextBestProduct``. The account's
360 page reads them through ``cross_sell_for_account``; the caller has checked the account is visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.analytics.engine import Warehouse
from rapport.analytics.models import CrossSellRule, NextBestProduct
from rapport.customers.models import Account
from rapport.sales.models import OrderLine, Product

MIN_SUPPORT = 0.01
MIN_CONFIDENCE = 0.1
RECOMMENDATIONS = 3
RULES_SHOWN = 5


def cross_sell_refresh(*, warehouse: Warehouse, computed_at: datetime | None = None) -> dict[str, int]:
    """Mine the rules from the warehouse's order lines and replace the stored rules and recommendations."""
    # Imported here: the rule miner needs NumPy; the 360 page's cross-sell card only reads stored rules.
    from rapport.analytics.basket import association_rules, baskets_from_pairs, frequent_itemsets, next_best_products

    computed_at = computed_at or timezone.now()
    min_support = float(getattr(settings, "RAPPORT_CROSS_SELL_MIN_SUPPORT", MIN_SUPPORT))
    min_confidence = float(getattr(settings, "RAPPORT_CROSS_SELL_MIN_CONFIDENCE", MIN_CONFIDENCE))
    lines = warehouse.table("fact_order_line")
    lines = lines.filter(lines.product_id.notnull(), lines.account_id.notnull())
    pairs = lines.select("order_id", "account_id", "product_id").to_pyarrow()
    orders, products = pairs.column("order_id").to_numpy(), pairs.column("product_id").to_numpy()
    data = baskets_from_pairs(baskets=orders, items=products)
    itemsets = frequent_itemsets(data, min_support=min_support, max_length=2)
    rules = association_rules(itemsets, n_baskets=data.n_baskets, min_confidence=min_confidence)
    known = set(Product.objects.values_list("pk", flat=True))
    rules = [r for r in rules if r.antecedent[0] in known and r.consequent[0] in known]
    bought: dict[int, set[int]] = {}
    for account_id, product_id in zip(pairs.column("account_id").to_pylist(), products.tolist(), strict=True):
        bought.setdefault(account_id, set()).add(product_id)
    # The warehouse may name accounts deleted since; asked about in slices, as one IN list of every buyer would
    # pass the number of parameters a statement takes (32,766 on SQLite, 65,535 on PostgreSQL).
    buyers = sorted(bought)
    accounts = {
        pk
        for start in range(0, len(buyers), 10_000)
        for pk in Account.objects.filter(pk__in=buyers[start : start + 10_000]).values_list("pk", flat=True)
    }
    recommendations = [
        NextBestProduct(account_id=account_id, product_id=product, rank=rank, confidence=confidence, lift=lift, computed_at=computed_at)
        for account_id, ranked in next_best_products(rules, {a: p for a, p in bought.items() if a in accounts}, top=RECOMMENDATIONS)
        for rank, (product, confidence, lift) in enumerate(ranked, start=1)
    ]
    with transaction.atomic():
        CrossSellRule.objects.all().delete()
        NextBestProduct.objects.all().delete()
        CrossSellRule.objects.bulk_create(
            [
                CrossSellRule(
                    product_id=r.antecedent[0],
                    recommended_id=r.consequent[0],
                    support=r.support,
                    confidence=r.confidence,
                    lift=r.lift,
                    computed_at=computed_at,
                )
                for r in rules
            ],
            batch_size=2_000,
        )
        NextBestProduct.objects.bulk_create(recommendations, batch_size=2_000)
    return {"baskets": data.n_baskets, "rules": len(rules), "recommendations": len(recommendations)}


@dataclass(frozen=True)
class CrossSell:
    next_best: list[NextBestProduct]
    also_bought: list[CrossSellRule]


def cross_sell_for_account(*, account_id: int) -> CrossSell:
    """The account's next-best products and the strongest rules from the products it ordered (two queries)."""
    next_best = list(NextBestProduct.objects.filter(account_id=account_id).select_related("product").order_by("rank"))
    bought = OrderLine.objects.filter(order__account_id=account_id, product_id__isnull=False).values("product_id")
    also = list(
        CrossSellRule.objects.filter(product_id__in=bought)
        .select_related("product", "recommended")
        .order_by("-confidence", "-lift", "product_id", "recommended_id")[:RULES_SHOWN]
    )
    return CrossSell(next_best=next_best, also_bought=also)
