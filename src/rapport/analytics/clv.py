"""Customer lifetime value: BG/NBD (purchases, probability alive) and Gamma-Gamma (spend).

Fitted by maximum likelihood with analytic gradients on log-parameters (L-BFGS-B, then a few Newton
steps on a finite-difference Hessian of the analytic gradient, so the estimate is the optimum to
about ten digits rather than wherever a loose tolerance stopped). Customers with the same
(frequency, recency, T) share one likelihood term with a weight, which is what makes a million
customers cheap: week-level data have only tens of thousands of distinct patterns.

References: Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science
24(2) — BG/NBD; Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4), and Hardie's note 025 —
Gamma-Gamma. Prediction formulas follow the ``lifetimes`` library so results agree with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from rapport.analytics.summary import CustomerSummary, TimeUnit

Array = npt.NDArray[np.float64]

# Periods per month, as lifetimes' customer_lifetime_value counts them.
PERIODS_PER_MONTH: dict[TimeUnit, float] = {"day": 30.0, "week": 4.345}
_LOG_BOUND = 30.0  # keeps every parameter within e^±30: degenerate data stop at a bound, never at inf


class BgNbdParams(NamedTuple):
    r: float
    alpha: float
    a: float
    b: float


class GammaGammaParams(NamedTuple):
    p: float
    q: float
    v: float


P = TypeVar("P")


@dataclass(frozen=True)
class Fit(Generic[P]):
    params: P
    log_likelihood: float
    converged: bool
    iterations: int
    message: str
    n_customers: int


class _Patterns(NamedTuple):
    x: Array
    tx: Array
    T: Array
    weight: Array
    inverse: npt.NDArray[np.intp]


def _patterns(frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike) -> _Patterns:
    """Distinct (x, t_x, T) rows with how many customers share each."""
    x, tx, age = (np.asarray(v, dtype=np.float64).ravel() for v in (frequency, recency, T))
    if not (len(x) == len(tx) == len(age)):
        raise ValueError("frequency, recency and T must have the same length")
    if len(x) == 0:
        return _Patterns(x, tx, age, x, np.zeros(0, dtype=np.intp))
    whole = np.all(x == np.round(x)) and np.all(tx == np.round(tx)) and np.all(age == np.round(age))
    if whole and x.min() >= 0 and tx.min() >= 0 and max(x.max(), tx.max(), age.max()) < 2**20:
        # Whole-period histories (the usual case) pack into one integer key: one sort instead of three.
        packed = (x.astype(np.int64) << 42) | (tx.astype(np.int64) << 21) | age.astype(np.int64)
        order = np.argsort(packed, kind="stable")
    else:
        order = np.lexsort((age, tx, x))
    xs, ts, As = x[order], tx[order], age[order]
    new = np.r_[True, (xs[1:] != xs[:-1]) | (ts[1:] != ts[:-1]) | (As[1:] != As[:-1])]
    group = np.cumsum(new) - 1
    inverse = np.empty(len(x), dtype=np.intp)
    inverse[order] = group
    starts = np.flatnonzero(new)
    weight = np.diff(np.r_[starts, len(x)]).astype(np.float64)
    return _Patterns(xs[starts], ts[starts], As[starts], weight, inverse)


def _check_summary(x: Array, tx: Array, T: Array) -> None:
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(tx)) and np.all(np.isfinite(T))):
        raise ValueError("frequency, recency and T must be finite numbers")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be a whole number of repeat purchases, 0 or more")
    if np.any(tx < 0) or np.any(tx > T):
        raise ValueError("recency must lie between 0 and T")
    if np.any((x > 0) & (tx <= 0)):
        raise ValueError("a customer with repeat purchases must have a recency above 0")


def _maximise(objective: Callable[[Array], tuple[float, Array]], start: Array) -> tuple[Array, bool, int, str]:
    """Minimise a smooth objective of log-parameters: L-BFGS-B, then Newton polishing."""
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    theta, iterations, stalled = start, 0, False
    value = objective(theta)[0]
    # A line search can give up on a long flat ridge (data whose optimum lies at infinity): start again from there.
    for _ in range(10):
        best = optimize.minimize(
            objective, theta, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10}
        )
        stalled = not value - best.fun > 1e-13 * max(1.0, abs(value))
        theta, value, iterations = best.x, best.fun, iterations + int(best.nit)
        if best.success or stalled:
            break
    value, grad = objective(theta)
    for _ in range(8):
        step_size = 1e-5
        hessian = np.empty((len(theta), len(theta)))
        for i in range(len(theta)):
            shift = np.zeros(len(theta))
            shift[i] = step_size
            hessian[i] = (objective(theta + shift)[1] - objective(theta - shift)[1]) / (2 * step_size)
        hessian = (hessian + hessian.T) / 2
        try:
            if np.linalg.eigvalsh(hessian).min() <= 0:
                break  # a flat or curved-down direction: the Newton step is meaningless there
            step = -np.linalg.solve(hessian, grad)
        except np.linalg.LinAlgError:
            break
        candidate = np.clip(theta + step, -_LOG_BOUND, _LOG_BOUND)
        new_value, new_grad = objective(candidate)
        if not np.isfinite(new_value) or new_value > value + 1e-15 * max(1.0, abs(value)):
            break
        iterations += 1
        improved = np.max(np.abs(candidate - theta))
        theta, value, grad = candidate, new_value, new_grad
        if improved < 1e-12:
            break
    at_bound = np.any(np.abs(theta) >= _LOG_BOUND - 1e-9)
    inside = np.abs(theta) < _LOG_BOUND - 1e-9
    flat = stalled or np.max(np.abs(grad[inside]), initial=0.0) < 1e-7
    converged = bool(np.isfinite(value) and (best.success or flat))
    if at_bound:
        message = "a parameter reached its bound: the data hardly identify it"
    elif not best.success and flat:
        message = "converged on a flat ridge: the likelihood barely changes along it, some parameters are weakly identified"
    else:
        message = str(best.message)
    return theta, converged, iterations, message


def _maximise_from(objective: Callable[[Array], tuple[float, Array]], starts: list[Array]) -> tuple[Array, bool, int, str]:
    """The first start that converges inside the bounds, else the best of all starts."""
    fits = []
    for start in starts:
        fit = _maximise(objective, start)
        if fit[1] and np.all(np.abs(fit[0]) < _LOG_BOUND - 1e-9):
            return fit
        fits.append(fit)
    return min(fits, key=lambda f: objective(f[0])[0])


# --- BG/NBD ---------------------------------------------------------------------------------------


def _bgnbd_log_likelihood(params: Array, x: Array, tx: Array, T: Array) -> tuple[Array, Array]:
    """Per-pattern log-likelihood and its gradient with respect to the log-parameters."""
    r, alpha, a, b = params
    repeat = x > 0
    log_alpha_T, log_alpha_tx = np.log(alpha + T), np.log(alpha + tx)
    b_x1 = b + np.maximum(x, 1) - 1
    A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    A2 = special.betaln(a, b + x) - special.betaln(a, b)
    A3 = -(r + x) * log_alpha_T
    A4 = np.where(repeat, np.log(a) - np.log(b_x1) - (r + x) * log_alpha_tx, -np.inf)
    top = np.maximum(A3, A4)
    w3, w4 = np.exp(A3 - top), np.exp(A4 - top)
    total = w3 + w4
    w3, w4 = w3 / total, w4 / total
    ll = A1 + A2 + top + np.log(total)

    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
    d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - w3 * log_alpha_T - w4 * log_alpha_tx
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx))
    d_a = psi_ab - psi_abx + w4 / a
    d_b = psi_ab - psi_abx + special.digamma(b + x) - special.digamma(b) - w4 / b_x1
    grad = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, grad


def bgnbd_log_likelihood(params: BgNbdParams, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike) -> float:
    p = _patterns(frequency, recency, T)
    ll, _ = _bgnbd_log_likelihood(np.asarray(params, dtype=np.float64), p.x, p.tx, p.T)
    return float(ll @ p.weight)


def bgnbd_fit(*, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike) -> Fit[BgNbdParams]:
    """Maximum-likelihood BG/NBD parameters for customers' (frequency, recency, T)."""
    p = _patterns(frequency, recency, T)
    if len(p.x) == 0:
        raise ValueError("no customers to fit")
    _check_summary(p.x, p.tx, p.T)
    # Measuring time in units of the oldest customer's age keeps alpha near 1 whatever the time unit.
    scale = 1.0 / p.T.max() if p.T.max() > 0 else 1.0
    tx, T, n = p.tx * scale, p.T * scale, p.weight.sum()

    def objective(theta: Array) -> tuple[float, Array]:
        ll, grad = _bgnbd_log_likelihood(np.exp(theta), p.x, tx, T)
        return -float(ll @ p.weight) / n, -(grad @ p.weight) / n

    # Rough moments: r/alpha is the purchase rate; a = b = 1 is a flat prior on dropping out.
    rate = max(float(p.x @ p.weight) / max(float(T @ p.weight), 1e-12), 1e-3)
    theta, converged, iterations, message = _maximise_from(objective, [np.log([1.0, 1.0 / rate, 0.9, 1.1]), np.log([0.5, 1.0, 1.5, 3.0])])
    r, alpha, a, b = np.exp(theta)
    params = BgNbdParams(float(r), float(alpha / scale), float(a), float(b))
    ll_orig, _ = _bgnbd_log_likelihood(np.asarray(params), p.x, p.tx, p.T)
    return Fit(params, float(ll_orig @ p.weight), converged, iterations, message, int(n))


def _log_hyp2f1(A: Array, B: Array, C: Array, z: Array) -> Array:
    """log 2F1, falling back to Euler's transformation where the series overflows (as lifetimes does)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        direct = np.log(special.hyp2f1(A, B, C, z))
        bad = ~np.isfinite(direct)
        if np.any(bad):
            Ab, Bb, Cb, zb = A[bad], B[bad], C[bad], z[bad]
            direct[bad] = np.log(special.hyp2f1(Cb - Ab, Cb - Bb, Cb, zb)) + (Cb - Ab - Bb) * np.log1p(-zb)
    return direct


def _expected_purchases(params: BgNbdParams, t: float, x: Array, tx: Array, T: Array) -> Array:
    r, alpha, a, b = params
    if abs(a - 1.0) < 1e-7:
        # The formula is 0/0 at a = 1; the mean of its values either side is exact to O(1e-10).
        lower = _expected_purchases(BgNbdParams(r, alpha, 1.0 - 1e-5, b), t, x, tx, T)
        upper = _expected_purchases(BgNbdParams(r, alpha, 1.0 + 1e-5, b), t, x, tx, T)
        return (lower + upper) / 2
    if t == 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    log_hyp = _log_hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1)
    with np.errstate(invalid="ignore", over="ignore"):
        second = -np.expm1(log_hyp + (r + x) * np.log((alpha + T) / (alpha + t + T)))
        expected = first * second * _probability_alive(params, x, tx, T)
    # While alive a customer buys at most at the mean posterior rate: outside [0, that] the series lost its digits.
    ceiling = _probability_alive(params, x, tx, T) * (r + x) * t / (alpha + T)
    wrong = ~np.isfinite(expected) | (expected < 0) | (expected > ceiling * (1 + 1e-9))
    if np.any(wrong):
        expected[wrong] = _expected_purchases_by_quadrature(params, t, x[wrong], tx[wrong], T[wrong])
    return expected


# Gauss-Legendre nodes on (0, 1) for the integral over the dropout probability's posterior quantiles.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)
_NODES, _WEIGHTS = (_NODES + 1) / 2, _WEIGHTS / 2


def _expected_purchases_by_quadrature(params: BgNbdParams, t: float, x: Array, tx: Array, T: Array) -> Array:
    """The same expectation as a one-dimensional integral, for parameters where 2F1 series break down.

    Given alive, the rate is Gamma(r + x, alpha + T) and the dropout probability p is Beta(a, b + x);
    a customer alive with p buys (1 - E[exp(-lambda p t)]) / p times in t. Integrating over p's
    quantiles needs no special function that can overflow.
    """
    r, alpha, a, b = params
    p, weight = _beta_nodes(a, b + x)
    purchases_given_p = -np.expm1(-(r + x)[:, None] * np.log1p(p * t / (alpha + T)[:, None])) / p
    return _probability_alive(params, x, tx, T) * (purchases_given_p * weight).sum(axis=1)


def _beta_nodes(a: float, b: Array) -> tuple[Array, Array]:
    """Quadrature nodes and weights (one row per b) for expectations over Beta(a, b)."""
    if a > 2 and np.all(b > 2):
        # A smooth hump vanishing at both ends: Gauss-Legendre over mean +- 12 sd, weighted by the density.
        mean, sd = a / (a + b), np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        low, high = np.maximum(mean - 12 * sd, 0.0), np.minimum(mean + 12 * sd, 1.0)
        p = np.clip(low[:, None] + (high - low)[:, None] * _NODES[None, :], 1e-300, 1 - 1e-16)
        log_density = (a - 1) * np.log(p) + (b[:, None] - 1) * np.log1p(-p)
        weight = _WEIGHTS[None, :] * np.exp(log_density - log_density.max(axis=1, keepdims=True))
        return p, weight / weight.sum(axis=1, keepdims=True)
    # Otherwise (a density that may be infinite at 0 or 1) integrate over its quantiles.
    p = np.clip(special.betaincinv(a, b[:, None], _NODES[None, :]), 1e-300, 1.0)
    return p, np.broadcast_to(_WEIGHTS, p.shape)


def _probability_alive(params: BgNbdParams, x: Array, tx: Array, T: Array) -> Array:
    r, alpha, a, b = params
    log_odds = (r + x) * np.log((alpha + T) / (alpha + tx)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, special.expit(-log_odds))


def bgnbd_expected_purchases(params: BgNbdParams, t: float, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike) -> Array:
    """Expected repeat purchases in the next ``t`` periods given each customer's history."""
    p = _patterns(frequency, recency, T)
    return _expected_purchases(params, t, p.x, p.tx, p.T)[p.inverse]


def bgnbd_probability_alive(params: BgNbdParams, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike) -> Array:
    """Probability that each customer has not dropped out (Hardie's note 021)."""
    x, tx, age = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    return _probability_alive(params, x, tx, age)


def bgnbd_expected_purchases_by_month(
    params: BgNbdParams, months: int, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike, time_unit: TimeUnit
) -> tuple[Array, npt.NDArray[np.intp]]:
    """Expected purchases in each of the next ``months`` months, one row per distinct history."""
    p = _patterns(frequency, recency, T)
    factor = PERIODS_PER_MONTH[time_unit]
    cumulative = np.stack([_expected_purchases(params, i * factor, p.x, p.tx, p.T) for i in range(months + 1)])
    return np.diff(cumulative, axis=0), p.inverse


# --- Gamma-Gamma ----------------------------------------------------------------------------------


def gamma_gamma_fit(*, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike) -> Fit[GammaGammaParams]:
    """Maximum-likelihood Gamma-Gamma parameters from repeat customers' mean spend per purchase.

    Only customers with at least one repeat purchase and a positive mean spend carry information;
    the others are left out, as the model prescribes.
    """
    x_all, m_all = np.asarray(frequency, dtype=np.float64).ravel(), np.asarray(monetary_value, dtype=np.float64).ravel()
    if len(x_all) != len(m_all):
        raise ValueError("frequency and monetary_value must have the same length")
    used = (x_all > 0) & (m_all > 0) & np.isfinite(m_all)
    x, m = x_all[used], m_all[used]
    if len(x) == 0:
        raise ValueError("no customer with a repeat purchase of positive value: the spend model needs at least one")
    # Spend in units of its mean keeps v near 1; the log-likelihood only shifts by a constant.
    scale = float(m.mean())
    ms = m / scale
    n = float(len(x))
    xs, x_index = np.unique(x, return_inverse=True)
    x_count = np.bincount(x_index).astype(np.float64)
    log_m_sum, x_log_xm_sum = float(np.log(ms).sum()), float((x * (np.log(ms) + np.log(x))).sum())

    def objective(theta: Array) -> tuple[float, Array]:
        p, q, v = np.exp(theta)
        pxs = p * xs
        log_xmv = np.log(x * ms + v)
        ll = (
            x_count @ (special.gammaln(pxs + q) - special.gammaln(pxs))
            - n * special.gammaln(q)
            + n * q * np.log(v)
            + p * x_log_xm_sum
            - log_m_sum
            - ((p * x + q) * log_xmv).sum()
        )
        psi_pxq = special.digamma(pxs + q)
        d_p = (x_count * xs) @ (psi_pxq - special.digamma(pxs)) + x_log_xm_sum - (x * log_xmv).sum()
        d_q = x_count @ psi_pxq - n * special.digamma(q) + n * np.log(v) - log_xmv.sum()
        d_v = n * q / v - ((p * x + q) / (x * ms + v)).sum()
        return -float(ll) / n, -np.array([d_p * p, d_q * q, d_v * v]) / n

    theta, converged, iterations, message = _maximise_from(objective, [np.log([1.0, 1.0, 1.0]), np.log([5.0, 3.0, 1.0])])
    p, q, v = np.exp(theta)
    ll = -objective(theta)[0] * n - n * np.log(scale)
    return Fit(GammaGammaParams(float(p), float(q), float(v * scale)), float(ll), converged, iterations, message, len(x))


def gamma_gamma_expected_spend(params: GammaGammaParams, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike) -> Array:
    """Expected mean spend per purchase given each customer's history (Hardie's note 025, eq. 5)."""
    p, q, v = params
    x, m = np.asarray(frequency, dtype=np.float64), np.asarray(monetary_value, dtype=np.float64)
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * (v * p / (q - 1)) + weight * m


# --- Lifetime value -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerPredictions:
    expected_purchases: Array
    probability_alive: Array
    expected_spend: Array
    clv: Array


def predict_customers(
    *,
    purchases: BgNbdParams,
    spend: GammaGammaParams,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    time_unit: TimeUnit,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
) -> CustomerPredictions:
    """Expected purchases over the horizon, probability alive, expected spend and discounted CLV.

    CLV is lifetimes' formula: the sum over months i of the expected purchases in month i times the
    expected spend per purchase, discounted by (1 + monthly discount rate)^i.
    """
    if horizon_months < 1:
        raise ValueError("the horizon must be at least one month")
    if discount_rate <= -1:
        raise ValueError("the discount rate must be above -1")
    by_month, inverse = bgnbd_expected_purchases_by_month(purchases, horizon_months, frequency, recency, T, time_unit)
    discount = (1.0 + discount_rate) ** -np.arange(1, horizon_months + 1)
    expected_spend = gamma_gamma_expected_spend(spend, frequency, monetary_value)
    return CustomerPredictions(
        expected_purchases=by_month.sum(axis=0)[inverse],
        probability_alive=bgnbd_probability_alive(purchases, frequency, recency, T),
        expected_spend=expected_spend,
        clv=expected_spend * (discount @ by_month)[inverse],
    )


def fit_summary(summary: CustomerSummary) -> tuple[Fit[BgNbdParams], Fit[GammaGammaParams]]:
    """Both models fitted to a transaction summary."""
    purchases = bgnbd_fit(frequency=summary.frequency, recency=summary.recency, T=summary.T)
    spend = gamma_gamma_fit(frequency=summary.frequency, monetary_value=summary.monetary_value)
    return purchases, spend


def predict_summary(
    summary: CustomerSummary, *, purchases: BgNbdParams, spend: GammaGammaParams, horizon_months: int = 12, discount_rate: float = 0.01
) -> CustomerPredictions:
    """``predict_customers`` for every customer of a transaction summary, in its time unit."""
    return predict_customers(
        purchases=purchases,
        spend=spend,
        frequency=summary.frequency,
        recency=summary.recency,
        T=summary.T,
        monetary_value=summary.monetary_value,
        time_unit=summary.time_unit,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
    )
