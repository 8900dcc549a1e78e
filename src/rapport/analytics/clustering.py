"""Segmentation by clustering: k-means on standardised RFM (and CLV when a CLV run wrote it) features.

Features per account with orders, at the as-of date: recency in days, log(1 + frequency),
log(1 + monetary) and, when every clustered account has one, log(1 + CLV); each standardised to mean
0 and variance 1 (the logs tame the long tail of big spenders, which would otherwise be clusters of
their own). k runs over a bounded range and the k with the best silhouette wins (ties to the smaller
k); k-means is seeded, and clusters are numbered by mean monetary value, best first, so the same data
always gives the same numbers.

Each cluster gets a readable profile: its size, mean recency, frequency and monetary value, its share
of revenue, and a name read from the profile (recent or lapsed, frequent or occasional, big or small
spender, against the base's medians). The clusters are written back to the customer profiles through
``customers.profiles`` (as ``scoring`` does) and the fit is kept beside the warehouse for the page.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils import timezone
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from rapport.analytics.engine import Warehouse, open_warehouse
from rapport.analytics.kept_segments import FIT_FILE, K_RANGE
from rapport.analytics.rfm import rfm_scores
from rapport.customers.profiles import customer_profile_values, customer_profiles_write

SEED = 0
# The silhouette of a large base is estimated on a seeded sample of this many accounts.
SILHOUETTE_SAMPLE = 10_000


@dataclass(frozen=True)
class ClusterProfile:
    cluster: int
    name_key: str  # e.g. "recent-frequent-big": translated on display
    size: int
    recency_days: float
    frequency: float
    monetary: float
    revenue_share: float
    clv: float | None


@dataclass(frozen=True)
class SegmentFit:
    as_of: str
    fitted_at: str
    warehouse_version: str
    k: int
    seed: int
    features: list[str]
    silhouettes: dict[str, float]
    clusters: list[ClusterProfile]
    accounts: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _features(rows: dict[str, npt.NDArray[Any]], clv: npt.NDArray[np.float64] | None) -> tuple[list[str], npt.NDArray[np.float64]]:
    columns = [rows["recency_days"], np.log1p(rows["frequency"]), np.log1p(np.maximum(rows["monetary"], 0))]
    names = ["recency_days", "log_frequency", "log_monetary"]
    if clv is not None:
        columns.append(np.log1p(np.maximum(clv, 0)))
        names.append("log_clv")
    raw = np.column_stack(columns).astype(np.float64)
    return names, StandardScaler().fit_transform(raw)


def choose_k(
    features: npt.NDArray[np.float64],
    *,
    k_range: tuple[int, int] = K_RANGE,
    seed: int = SEED,
    on_k: Callable[[int], None] | None = None,
) -> tuple[int, dict[int, float], npt.NDArray[np.int64]]:
    """The k of the best silhouette in the range (bounded by the number of distinct points), its labels and every k's score."""
    distinct = len(np.unique(features, axis=0))
    low, high = k_range[0], min(k_range[1], distinct - 1)
    if high < low:
        return 1, {}, np.zeros(len(features), dtype=np.int64)
    scores: dict[int, float] = {}
    best: tuple[float, int, npt.NDArray[np.int64]] | None = None
    sample = min(SILHOUETTE_SAMPLE, len(features))
    for k in range(low, high + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(features)
        score = float(silhouette_score(features, labels, sample_size=sample, random_state=seed))
        scores[k] = round(score, 4)
        if on_k is not None:
            on_k(k)
        if best is None or score > best[0] + 1e-9:
            best = (score, k, labels.astype(np.int64))
    assert best is not None
    return best[1], scores, best[2]


def _profiles(
    rows: dict[str, npt.NDArray[Any]], labels: npt.NDArray[np.int64], clv: npt.NDArray[np.float64] | None
) -> tuple[list[ClusterProfile], npt.NDArray[np.int64]]:
    """Profiles numbered 1.. by mean monetary (best first), and each account's number."""
    monetary = rows["monetary"]
    order = sorted(np.unique(labels), key=lambda c: (-float(monetary[labels == c].mean()), int(c)))
    number = {int(c): i + 1 for i, c in enumerate(order)}
    medians = {m: float(np.median(rows[m])) for m in ("recency_days", "frequency", "monetary")}
    total = float(monetary.sum()) or 1.0
    profiles = []
    for c in order:
        inside = labels == c
        means = {m: float(rows[m][inside].mean()) for m in ("recency_days", "frequency", "monetary")}
        key = "-".join(
            (
                "recent" if means["recency_days"] <= medians["recency_days"] else "lapsed",
                "frequent" if means["frequency"] > medians["frequency"] else "occasional",
                "big" if means["monetary"] > medians["monetary"] else "small",
            )
        )
        profiles.append(
            ClusterProfile(
                cluster=number[int(c)],
                name_key=key,
                size=int(inside.sum()),
                recency_days=round(means["recency_days"], 1),
                frequency=round(means["frequency"], 2),
                monetary=round(means["monetary"], 2),
                revenue_share=round(float(monetary[inside].sum()) / total, 4),
                clv=round(float(clv[inside].mean()), 2) if clv is not None else None,
            )
        )
    return profiles, np.array([number[int(c)] for c in labels], dtype=np.int64)


def segments_fit(
    *,
    warehouse: Warehouse | None = None,
    as_of: date | None = None,
    k_range: tuple[int, int] = K_RANGE,
    seed: int = SEED,
    write: bool = True,
    fitted_at: datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> SegmentFit:
    """Fit the clusters, write each account's cluster to its profile (unless ``write`` is off) and keep the fit.

    ``progress(step, done, total)`` hears of each step: reading, each k tried, writing.
    """
    if k_range[0] < 2 or k_range[1] < k_range[0]:
        raise ValueError(f"--k-min/--k-max: need 2 <= k-min <= k-max, got {k_range[0]}..{k_range[1]}")
    total = k_range[1] - k_range[0] + 4
    report = progress or (lambda step, done, total: None)
    report("reading", 0, total)
    warehouse = warehouse or open_warehouse()
    fitted_at = fitted_at or timezone.now()
    as_of = as_of or timezone.localdate(fitted_at)
    table = rfm_scores(warehouse.table("fact_order_line"), as_of=as_of).select("account_id", "recency_days", "frequency", "monetary")
    arrow = table.to_pyarrow()
    rows = {name: arrow.column(name).to_numpy().astype(np.float64 if name != "account_id" else np.int64) for name in arrow.column_names}
    if len(rows["account_id"]) == 0:
        raise ValueError("No orders in the warehouse up to the as-of day: nothing to cluster.")
    clv_by_account = dict(customer_profile_values(field="clv"))
    clv = None
    if clv_by_account and all(int(a) in clv_by_account for a in rows["account_id"]):
        clv = np.array([float(clv_by_account[int(a)]) for a in rows["account_id"]], dtype=np.float64)
    names, features = _features(rows, clv)
    report("k-means", 1, total)
    k, scores, labels = choose_k(features, k_range=k_range, seed=seed, on_k=lambda k: report(f"k = {k}", 2 + k - k_range[0], total))
    profiles, numbers = _profiles(rows, labels, clv)
    fit = SegmentFit(
        as_of=as_of.isoformat(),
        fitted_at=fitted_at.isoformat(),
        warehouse_version=warehouse.version,
        k=k,
        seed=seed,
        features=names,
        silhouettes={str(key): value for key, value in scores.items()},
        clusters=profiles,
        accounts=len(numbers),
    )
    if write:
        report("writing", total - 1, total)
        by_number = {p.cluster: p.name_key for p in profiles}
        customer_profiles_write(
            rows=(
                {"account_id": int(a), "segment_cluster": int(n), "segment_cluster_name": by_number[int(n)]}
                for a, n in zip(rows["account_id"], numbers, strict=True)
            ),
            scored_at=fitted_at,
            via="analytics",
            replace=True,
        )
        _keep(fit, warehouse.root)
    return fit


def _keep(fit: SegmentFit, root: Path) -> None:
    """Written to a temporary file then renamed: a reader sees the old fit or the new one, never half."""
    target = root / FIT_FILE
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(fit.as_json(), indent=1))
    os.replace(temporary, target)
