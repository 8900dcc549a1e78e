"""BG/NBD and Gamma-Gamma against the published CDNOW estimates and lifetimes' answers."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from rapport.analytics import clv

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    table = np.genfromtxt(DATA / "cdnow_customers_summary_with_transactions.csv", delimiter=",", names=True)
    return {name: table[name] for name in ("x", "t_x", "T", "zbar")}


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((DATA / "lifetimes_reference.json").read_text())


@pytest.fixture(scope="module")
def fits(cdnow):
    purchases = clv.bgnbd_fit(frequency=cdnow["x"], recency=cdnow["t_x"], T=cdnow["T"])
    spend = clv.gamma_gamma_fit(frequency=cdnow["x"], monetary_value=cdnow["zbar"])
    return purchases, spend


def test_bgnbd_reproduces_the_published_cdnow_estimates(fits):
    purchases, _ = fits
    # Fader, Hardie & Lee (2005a), section 5: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    assert [round(v, 3) for v in purchases.params] == [0.243, 4.414, 0.793, 2.426]
    assert round(purchases.log_likelihood, 1) == -9582.4
    assert purchases.converged
    assert purchases.n_customers == 2357


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(fits):
    _, spend = fits
    # Fader, Hardie & Lee (2005b): p = 6.25, q = 3.74, gamma = 15.44 from the 946 repeat customers.
    p, q, v = spend.params
    assert (round(p, 2), round(q, 2)) == (6.25, 3.74)
    assert v == pytest.approx(15.44, abs=0.01)
    assert spend.n_customers == 946
    assert spend.converged


def test_parameters_agree_with_lifetimes(fits, reference):
    purchases, spend = fits
    assert list(purchases.params) == pytest.approx([reference["bgnbd"][k] for k in ("r", "alpha", "a", "b")], rel=1e-6)
    assert list(spend.params) == pytest.approx([reference["gamma_gamma"][k] for k in ("p", "q", "v")], rel=1e-6)


def test_predictions_agree_with_lifetimes(fits, cdnow, reference):
    purchases, spend = fits
    head = {k: v[:60] for k, v in cdnow.items()}
    monetary = np.where(head["x"] > 0, head["zbar"], 0.0)
    expected = reference["predictions_first_60"]
    predictions = clv.predict_customers(
        purchases=purchases.params,
        spend=spend.params,
        frequency=head["x"],
        recency=head["t_x"],
        T=head["T"],
        monetary_value=monetary,
        time_unit="week",
        horizon_months=12,
        discount_rate=0.01,
    )
    in_39_weeks = clv.bgnbd_expected_purchases(purchases.params, 39, head["x"], head["t_x"], head["T"])
    assert in_39_weeks == pytest.approx(expected["expected_purchases_39"], rel=1e-6)
    assert predictions.probability_alive == pytest.approx(expected["probability_alive"], rel=1e-6)
    assert predictions.expected_spend == pytest.approx(expected["expected_spend"], rel=1e-6)
    assert predictions.clv == pytest.approx(expected["clv_12_months_weekly_1pct"], rel=1e-6)


def test_clv_without_discount_is_expected_purchases_times_expected_spend(fits, cdnow):
    purchases, spend = fits
    predictions = clv.predict_customers(
        purchases=purchases.params,
        spend=spend.params,
        frequency=cdnow["x"],
        recency=cdnow["t_x"],
        T=cdnow["T"],
        monetary_value=np.where(cdnow["x"] > 0, cdnow["zbar"], 0.0),
        time_unit="week",
        horizon_months=6,
        discount_rate=0.0,
    )
    in_six_months = clv.bgnbd_expected_purchases(purchases.params, 6 * 4.345, cdnow["x"], cdnow["t_x"], cdnow["T"])
    np.testing.assert_allclose(predictions.expected_purchases, in_six_months, rtol=1e-12)
    np.testing.assert_allclose(predictions.clv, in_six_months * predictions.expected_spend, rtol=1e-12)


def _extreme_cases() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(11)
    n = 500
    T = rng.uniform(1, 52, n)
    sparse_x = np.where(rng.random(n) < 0.02, rng.integers(1, 3, n), 0).astype(float)
    big_x = rng.integers(500, 5000, n).astype(float)
    return {
        "all zero frequency": (np.zeros(n), np.zeros(n), T),
        "one customer": (np.array([3.0]), np.array([20.0]), np.array([30.0])),
        "one customer without repeats": (np.array([0.0]), np.array([0.0]), np.array([30.0])),
        "huge T": (sparse_x, np.where(sparse_x > 0, T * 1e6 / 2, 0), T * 1e6),
        "identical customers": (np.full(n, 2.0), np.full(n, 10.0), np.full(n, 40.0)),
        "very large frequencies": (big_x, T * 0.99, T),
        "sparse": (sparse_x, np.where(sparse_x > 0, T / 2, 0), T),
        "everyone bought at the very end": (np.full(n, 5.0), T, T),
    }


@pytest.mark.parametrize("case", list(_extreme_cases()))
def test_bgnbd_fits_extreme_data_without_failing(case):
    x, tx, T = _extreme_cases()[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning means an overflow or a NaN somewhere
        fit = clv.bgnbd_fit(frequency=x, recency=tx, T=T)
        alive = clv.bgnbd_probability_alive(fit.params, x, tx, T)
        spend = clv.GammaGammaParams(p=6.0, q=4.0, v=15.0)
        predictions = clv.predict_customers(
            purchases=fit.params, spend=spend, frequency=x, recency=tx, T=T, monetary_value=np.full(len(x), 20.0), time_unit="week"
        )
    assert fit.converged, fit.message
    assert np.all(np.isfinite(fit.params)) and np.isfinite(fit.log_likelihood)
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(np.isfinite(predictions.clv)) and np.all(predictions.expected_purchases >= 0)


@pytest.mark.parametrize(
    ("frequency", "spend"),
    [
        ([1.0], [25.0]),
        ([3.0] * 50, [40.0] * 50),
        ([1.0, 200.0, 3.0, 9.0], [1e-3, 1e6, 17.5, 2.0]),
    ],
    ids=["one customer", "identical spend", "extreme spend"],
)
def test_gamma_gamma_fits_extreme_data_without_failing(frequency, spend):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = clv.gamma_gamma_fit(frequency=frequency, monetary_value=spend)
    assert fit.converged, fit.message
    assert np.all(np.isfinite(fit.params)) and np.isfinite(fit.log_likelihood)


def test_gamma_gamma_leaves_out_customers_without_repeat_spend():
    with_zeros = clv.gamma_gamma_fit(frequency=[0, 2, 5, 0, 1, 3], monetary_value=[0, 20.0, 35.0, 10.0, 15.0, 22.0])
    without = clv.gamma_gamma_fit(frequency=[2, 5, 1, 3], monetary_value=[20.0, 35.0, 15.0, 22.0])
    assert with_zeros.params == without.params
    assert with_zeros.n_customers == 4


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1.5], [2.0], [3.0], "whole number"),
        ([1.0], [4.0], [3.0], "between 0 and T"),
        ([2.0], [0.0], [3.0], "recency above 0"),
        ([], [], [], "no customers"),
    ],
)
def test_bgnbd_refuses_impossible_histories(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        clv.bgnbd_fit(frequency=frequency, recency=recency, T=T)


@pytest.mark.parametrize(
    ("params", "rtol"),
    [
        (None, 1e-5),  # the CDNOW fit: a < 1, integrated over the Beta's quantiles
        (clv.BgNbdParams(r=0.5, alpha=4.0, a=5.0, b=10.0), 1e-12),  # a smooth Beta: integrated over its density
        (clv.BgNbdParams(r=3.0, alpha=20.0, a=50.0, b=400.0), 1e-12),
    ],
    ids=["quantiles", "density", "concentrated density"],
)
def test_the_integral_fallback_agrees_with_the_closed_form(fits, cdnow, params, rtol):
    params = params or fits[0].params
    for t in (1.0, 39.0, 200.0):
        closed = clv._expected_purchases(params, t, cdnow["x"], cdnow["t_x"], cdnow["T"])
        integral = clv._expected_purchases_by_quadrature(params, t, cdnow["x"], cdnow["t_x"], cdnow["T"])
        np.testing.assert_allclose(integral, closed, rtol=rtol)


def test_expected_purchases_at_a_equal_to_one_is_the_limit_from_either_side(cdnow):
    params = clv.BgNbdParams(r=0.25, alpha=4.4, a=1.0, b=2.4)
    at_one = clv.bgnbd_expected_purchases(params, 39, cdnow["x"], cdnow["t_x"], cdnow["T"])
    near = clv.bgnbd_expected_purchases(params._replace(a=1.001), 39, cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert np.all(np.isfinite(at_one))
    np.testing.assert_allclose(at_one, near, rtol=2e-3)
