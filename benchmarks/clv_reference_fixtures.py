"""Compute the reference answers the analytics tests compare against, with lifetimes and mlxtend.

Run once with the bench group installed (``uv sync --group bench``); it writes small JSON files into
src/rapport/analytics/tests/data/ so the test suite needs neither library.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd

# lifetimes imports pkg_resources (gone with setuptools 81) only to locate its bundled data files.
sys.modules.setdefault("pkg_resources", types.ModuleType("pkg_resources"))

from lifetimes import BetaGeoFitter, GammaGammaFitter  # noqa: E402
from lifetimes.utils import summary_data_from_transaction_data  # noqa: E402
from mlxtend.frequent_patterns import association_rules, fpgrowth  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "src" / "rapport" / "analytics" / "tests" / "data"


def cdnow_transactions() -> pd.DataFrame:
    frame = pd.read_csv(
        DATA / "CDNOW_sample.txt", sep=r"\s+", header=None, names=["customer", "customer2", "date", "cds", "amount"], dtype={"date": str}
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


def lifetimes_reference() -> dict[str, object]:
    summary = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    bg = BetaGeoFitter().fit(summary["x"], summary["t_x"], summary["T"])
    repeat = summary[summary["x"] > 0]
    gg = GammaGammaFitter()
    gg.fit(repeat["x"], repeat["zbar"])
    head = summary.head(60)
    monetary = np.where(head["x"] > 0, head["zbar"], 0.0)
    clv = gg.customer_lifetime_value(
        bg, head["x"], head["t_x"], head["T"], pd.Series(monetary, index=head.index), time=12, discount_rate=0.01, freq="W"
    )
    transactions = cdnow_transactions()
    summaries = {}
    for freq in ("W", "D"):
        s = summary_data_from_transaction_data(transactions, "customer", "date", "amount", observation_period_end="1997-09-30", freq=freq)
        summaries[freq] = {
            "customer": [int(c) for c in s.index],
            "frequency": s["frequency"].tolist(),
            "recency": s["recency"].tolist(),
            "T": s["T"].tolist(),
            "monetary_value": s["monetary_value"].round(10).tolist(),
        }
    return {
        "source": "lifetimes 0.11.3 on the CDNOW sample shipped with it (see README.md)",
        "bgnbd": bg.params_.to_dict(),
        "gamma_gamma": gg.params_.to_dict(),
        "predictions_first_60": {
            "expected_purchases_39": bg.conditional_expected_number_of_purchases_up_to_time(39, head["x"], head["t_x"], head["T"]).tolist(),
            "probability_alive": bg.conditional_probability_alive(head["x"], head["t_x"], head["T"]).tolist(),
            "expected_spend": gg.conditional_expected_average_profit(head["x"], pd.Series(monetary, index=head.index)).tolist(),
            "clv_12_months_weekly_1pct": clv.tolist(),
        },
        "summary_1997_09_30": summaries,
    }


def mlxtend_reference() -> dict[str, object]:
    rng = np.random.default_rng(2024)
    n_baskets, n_items = 3000, 25
    popularity = 1.0 / np.arange(1, n_items + 1)
    popularity /= popularity.sum()
    baskets = []
    for _ in range(n_baskets):
        items = set(rng.choice(n_items, size=1 + rng.poisson(2.5), p=popularity).tolist())
        if rng.random() < 0.08:
            items |= {3, 7, 11}
        baskets.append(sorted(items))
    onehot = pd.DataFrame(False, index=range(n_baskets), columns=[f"p{i:02d}" for i in range(n_items)])
    for row, items in enumerate(baskets):
        onehot.iloc[row, items] = True
    itemsets = fpgrowth(onehot, min_support=0.02, use_colnames=True)
    rules = association_rules(itemsets, len(onehot), metric="confidence", min_threshold=0.3)
    return {
        "source": "mlxtend 0.25.0 fpgrowth(min_support=0.02) + association_rules(metric='confidence', min_threshold=0.3)",
        "baskets": [[f"p{i:02d}" for i in items] for items in baskets],
        "itemsets": [[sorted(s), sup] for s, sup in zip(itemsets["itemsets"], itemsets["support"], strict=True)],
        "rules": [
            [sorted(r["antecedents"]), sorted(r["consequents"]), r["support"], r["confidence"], r["lift"], r["leverage"], r["conviction"]]
            for _, r in rules.iterrows()
        ],
    }


def main() -> None:
    (DATA / "lifetimes_reference.json").write_text(json.dumps(lifetimes_reference()) + "\n")
    (DATA / "mlxtend_reference.json").write_text(json.dumps(mlxtend_reference()) + "\n")
    print(f"wrote {DATA}/lifetimes_reference.json and mlxtend_reference.json")


if __name__ == "__main__":
    main()
