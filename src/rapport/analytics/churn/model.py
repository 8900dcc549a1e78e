"""The churn risk model: gradient-boosted trees with calibrated probabilities, checked out of time.

Two cutoffs, one window apart, both a full window before the as-of day so their labels are known:

    train cutoff ── window ──> validation cutoff ── window ──> as-of day (scores)

The classifier learns from the features at the train cutoff and whether each customer bought in the
window after it; calibration is fitted inside the training data (cross-validated folds). It is then
judged on the later validation cutoff, customers it never saw labelled: AUC, lift in the riskiest
tenth, a calibration table and permutation importance. Finally every customer is scored from the
features at the as-of day. Fixed seeds and unshuffled folds make a run on the same warehouse give
the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import brier_score_loss, roc_auc_score

from rapport.analytics.churn.features import FEATURES, ChurnSources, churn_features, churn_labels
from rapport.common.errors import ValidationFailed

SEED = 20240611
DEFAULT_WINDOW_DAYS = 90
MIN_CUSTOMERS = 40
ISOTONIC_FROM = 1_000  # below this many training customers isotonic overfits: sigmoid (Platt) instead
BANDS = (("high", 0.5), ("medium", 0.25), ("low", 0.0))
PARAMS: dict[str, Any] = {
    "learning_rate": 0.06,
    "max_iter": 200,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "random_state": SEED,
}


def risk_band(probability: float) -> str:
    """high (≥ 0.5), medium (≥ 0.25) or low: a calibrated probability read as a call to action."""
    return next(name for name, floor in BANDS if probability >= floor)


@dataclass
class ChurnFit:
    as_of: date
    train_cutoff: date
    validation_cutoff: date
    window_days: int
    params: dict[str, Any]
    metrics: dict[str, Any]
    importance: list[dict[str, Any]]
    scores: pd.DataFrame = field(repr=False)  # account_id, probability, band, top features


def _frame(sources: ChurnSources, backend: Any, *, cutoff: date, window_days: int, labelled: bool) -> pd.DataFrame:
    features = churn_features(sources, cutoff=cutoff, window_days=window_days)
    if labelled:
        labels = churn_labels(sources.order_lines, cutoff=cutoff, window_days=window_days)
        features = features.join(labels, "account_id")
    frame: pd.DataFrame = backend.execute(features)
    frame = frame.sort_values("account_id", kind="stable").reset_index(drop=True)
    # Rounded so that a float computed in a different order by a parallel engine gives the same model.
    frame[list(FEATURES)] = frame[list(FEATURES)].astype("float64").round(9)
    return frame


def _lift_by_decile(y: npt.NDArray[np.bool_], p: npt.NDArray[np.float64]) -> list[dict[str, Any]]:
    """Customers sorted riskiest first, cut in ten: each tenth's churn rate over the base rate."""
    order = np.argsort(-p, kind="stable")
    base = float(y.mean())
    rows = []
    for decile, part in enumerate(np.array_split(order, 10), start=1):
        if len(part) == 0:
            continue
        rate = float(y[part].mean())
        rows.append({"decile": decile, "customers": len(part), "churn_rate": rate, "lift": rate / base if base else 0.0})
    return rows


def _calibration(y: npt.NDArray[np.bool_], p: npt.NDArray[np.float64], bins: int = 10) -> list[dict[str, Any]]:
    """Predicted against observed churn in ten equal-width probability bins (empty bins left out)."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append(
                {
                    "low": b / bins,
                    "high": (b + 1) / bins,
                    "customers": int(mask.sum()),
                    "predicted": float(p[mask].mean()),
                    "observed": float(y[mask].mean()),
                }
            )
    return rows


def _classifier(n_train: int) -> CalibratedClassifierCV:
    method = "isotonic" if n_train >= ISOTONIC_FROM else "sigmoid"
    return CalibratedClassifierCV(HistGradientBoostingClassifier(**PARAMS), method=method, cv=3, ensemble=True)


def churn_fit(sources: ChurnSources, backend: Any, *, as_of: date, window_days: int = DEFAULT_WINDOW_DAYS) -> ChurnFit:
    """Train, validate out of time and score every customer at ``as_of``."""
    if window_days < 7:
        raise ValidationFailed.for_field("window_days", "The churn window is at least 7 days.")
    validation_cutoff = as_of - timedelta(days=window_days)
    train_cutoff = validation_cutoff - timedelta(days=window_days)
    train = _frame(sources, backend, cutoff=train_cutoff, window_days=window_days, labelled=True)
    valid = _frame(sources, backend, cutoff=validation_cutoff, window_days=window_days, labelled=True)
    for name, frame, cutoff in (("train", train, train_cutoff), ("validation", valid, validation_cutoff)):
        churned = int(frame["churned"].sum()) if len(frame) else 0
        if len(frame) < MIN_CUSTOMERS or churned == 0 or churned == len(frame):
            raise ValidationFailed.for_field(
                "as_of",
                f"Not enough history for a churn model: at the {name} cutoff {cutoff} there are {len(frame)} customers, "
                f"{churned} of them churned; it needs {MIN_CUSTOMERS} customers, some churning and some not.",
            )
    x_train, y_train = train[list(FEATURES)].to_numpy(), train["churned"].to_numpy(dtype=bool)
    x_valid, y_valid = valid[list(FEATURES)].to_numpy(), valid["churned"].to_numpy(dtype=bool)
    model = _classifier(len(train)).fit(x_train, y_train)
    p_valid = model.predict_proba(x_valid)[:, 1]
    lift = _lift_by_decile(y_valid, p_valid)
    metrics = {
        "auc": float(roc_auc_score(y_valid, p_valid)),
        "brier": float(brier_score_loss(y_valid, p_valid)),
        "lift_top_decile": lift[0]["lift"],
        "base_rate": float(y_valid.mean()),
        "train_customers": len(train),
        "train_churn_rate": float(y_train.mean()),
        "validation_customers": len(valid),
        "calibration_method": model.method,
        "lift": lift,
        "calibration": _calibration(y_valid, p_valid),
    }
    permuted = permutation_importance(model, x_valid, y_valid, scoring="roc_auc", n_repeats=5, random_state=SEED)
    importance: list[dict[str, Any]] = [
        {"feature": name, "mean": float(mean), "std": float(std)}
        for name, mean, std in zip(FEATURES, permuted.importances_mean, permuted.importances_std, strict=True)
    ]
    importance.sort(key=lambda row: (-row["mean"], row["feature"]))
    now = _frame(sources, backend, cutoff=as_of, window_days=window_days, labelled=False)
    probability = model.predict_proba(now[list(FEATURES)].to_numpy())[:, 1] if len(now) else np.zeros(0)
    scores = pd.DataFrame({"account_id": now["account_id"].astype("int64"), "probability": np.clip(probability, 0.0, 1.0)})
    scores["band"] = [risk_band(p) for p in scores["probability"]]
    return ChurnFit(
        as_of=as_of,
        train_cutoff=train_cutoff,
        validation_cutoff=validation_cutoff,
        window_days=window_days,
        params={**PARAMS, "calibration": model.method, "calibration_folds": 3, "features": list(FEATURES)},
        metrics=metrics,
        importance=importance,
        scores=scores,
    )
