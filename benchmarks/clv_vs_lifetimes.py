"""CLV pipeline, Rapport's own BG/NBD + Gamma-Gamma against lifetimes, side by side on the same data.

    uv sync --group bench && .venv/bin/python benchmarks/clv_vs_lifetimes.py [--customers 1000000] [--runs 3]

Simulates a cohort from BG/NBD + Gamma-Gamma with a fixed seed, writes its transactions to a CSV,
then runs each pipeline in fresh child processes (so peak memory is each one's own): read the CSV,
per-customer summary, fit both models, expected purchases over 12 months, probability alive and
12-month CLV (1% a month). Checks the summaries are identical, the parameters agree to 4 significant
digits and the predictions within 1e-6 relative, and writes benchmarks/results/clv_vs_lifetimes.json.

lifetimes 0.11.3 is archived; on pandas 3 and setuptools 81 only its import of pkg_resources (used to
find its bundled data sets) breaks, which is stubbed below; its maths runs unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "clv_vs_lifetimes.json"
CALIBRATION_END = "2024-12-29"
# The CDNOW estimates (Fader, Hardie & Lee 2005) drive the simulation.
TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}


def simulate(n_customers: int, seed: int = 20240101) -> dict[str, np.ndarray]:
    """Transactions of a cohort acquired over 12 weeks and watched to the calibration end (days)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01")
    horizon_days = (np.datetime64(CALIBRATION_END) - start).astype(int) + 1
    birth = rng.integers(0, 84, n_customers)
    age_weeks = (horizon_days - birth) / 7.0
    rate = rng.gamma(TRUE["r"], 1.0 / TRUE["alpha"], n_customers)
    dropout = rng.beta(TRUE["a"], TRUE["b"], n_customers)
    nu = rng.gamma(TRUE["q"], 1.0 / TRUE["v"], n_customers)
    poisson = rng.poisson(rate * age_weeks)
    # After each repeat purchase the customer leaves with probability p: keep the first G purchases.
    survives = rng.geometric(dropout)
    owner = np.repeat(np.arange(n_customers), poisson)
    when = rng.random(len(owner)) * age_weeks[owner]
    order = np.lexsort((when, owner))
    owner, when = owner[order], when[order]
    index = np.arange(len(owner)) - np.repeat(np.cumsum(poisson) - poisson, poisson)
    kept = index < survives[owner]
    owner, when = owner[kept], when[kept]
    customers = np.concatenate([np.arange(n_customers), owner])
    days = np.concatenate([birth, birth[owner] + np.minimum(np.floor(when * 7).astype(np.int64), horizon_days - 1 - birth[owner])])
    amounts = np.round(rng.gamma(TRUE["p"], 1.0 / nu[customers]), 2) + 0.01
    order = np.lexsort((days, customers))
    return {"customer": customers[order] + 100000, "date": start + days[order], "amount": amounts[order]}


def write_csv(data: dict[str, np.ndarray], path: Path) -> None:
    with path.open("w") as handle:
        handle.write("customer_id,date,amount\n")
        chunk = 500_000
        for i in range(0, len(data["customer"]), chunk):
            rows = zip(
                data["customer"][i : i + chunk].tolist(),
                data["date"][i : i + chunk].astype(str).tolist(),
                data["amount"][i : i + chunk].tolist(),
                strict=True,
            )
            handle.write("".join(f"{c},{d},{a}\n" for c, d, a in rows))


# --- the two pipelines, each run in a child process ------------------------------------------------


class Stages:
    """Wall and CPU seconds of each stage: CPU time is the fairer measure on a shared machine."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._marks = [(time.perf_counter(), time.process_time())]

    def done(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[name], self.cpu[name] = wall - self._marks[-1][0], cpu - self._marks[-1][1]
        self._marks.append((wall, cpu))

    def finish(self) -> dict[str, dict[str, float]]:
        for clock in (self.wall, self.cpu):
            clock["pipeline"] = clock["summary"] + clock["fit"] + clock["predict"]
            clock["total"] = clock["read_csv"] + clock["pipeline"]
        return {"wall": self.wall, "cpu": self.cpu}


def run_ours(csv_path: Path, out: Path) -> dict[str, object]:
    from rapport.analytics import clv
    from rapport.analytics.summary import summarise_transactions
    from rapport.analytics.tables import read_columns

    stages = Stages()
    columns = read_columns(csv_path, [("customer_id", "--customer", "id"), ("date", "--date", "date"), ("amount", "--amount", "number")])
    customers, dates, amounts = columns["customer_id"].ids(), columns["date"].dates(), columns["amount"].numbers()
    del columns
    stages.done("read_csv")
    summary = summarise_transactions(customers=customers, dates=dates, amounts=amounts, calibration_end=CALIBRATION_END, time_unit="week")
    stages.done("summary")
    purchases, spend = clv.fit_summary(summary)
    stages.done("fit")
    predictions = clv.predict_summary(summary, purchases=purchases.params, spend=spend.params, horizon_months=12, discount_rate=0.01)
    stages.done("predict")
    np.savez(
        out,
        customer=summary.customer,
        frequency=summary.frequency,
        recency=summary.recency,
        T=summary.T,
        monetary_value=summary.monetary_value,
        expected_purchases=predictions.expected_purchases,
        probability_alive=predictions.probability_alive,
        clv=predictions.clv,
    )
    return {
        "stages": stages.finish(),
        "bgnbd": purchases.params._asdict(),
        "gamma_gamma": spend.params._asdict(),
        "converged": purchases.converged and spend.converged,
    }


def run_lifetimes(csv_path: Path, out: Path) -> dict[str, object]:
    sys.modules.setdefault("pkg_resources", types.ModuleType("pkg_resources"))
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    stages = Stages()
    frame = pd.read_csv(csv_path, parse_dates=["date"])
    stages.done("read_csv")
    summary = summary_data_from_transaction_data(frame, "customer_id", "date", "amount", observation_period_end=CALIBRATION_END, freq="W")
    stages.done("summary")
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[summary["frequency"] > 0]
    ggf = GammaGammaFitter()
    ggf.fit(repeat["frequency"], repeat["monetary_value"])
    stages.done("fit")
    f, r, T, m = summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"]
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(12 * 4.345, f, r, T)
    alive = bgf.conditional_probability_alive(f, r, T)
    value = ggf.customer_lifetime_value(bgf, f, r, T, m, time=12, discount_rate=0.01, freq="W")
    stages.done("predict")
    np.savez(
        out,
        customer=summary.index.to_numpy(),
        frequency=f.to_numpy(),
        recency=r.to_numpy(),
        T=T.to_numpy(),
        monetary_value=m.to_numpy(),
        expected_purchases=np.asarray(expected),
        probability_alive=np.asarray(alive),
        clv=np.asarray(value),
    )
    return {"stages": stages.finish(), "bgnbd": bgf.params_.to_dict(), "gamma_gamma": ggf.params_.to_dict(), "converged": True}


def peak_rss_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over from the parent across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(which: str, csv_path: Path, out: Path) -> None:
    result = (run_ours if which == "ours" else run_lifetimes)(csv_path, out)
    result["max_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def spawn(which: str, csv_path: Path, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", which, "--csv", str(csv_path), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )
    if done.returncode:
        raise SystemExit(f"{which} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- comparison ------------------------------------------------------------------------------------


def max_relative(ours: np.ndarray, theirs: np.ndarray) -> float:
    scale = np.maximum(np.abs(theirs), 1e-300)
    return float(np.max(np.abs(ours - theirs) / scale)) if len(ours) else 0.0


def same_to_4_digits(ours: float, theirs: float) -> bool:
    return float(f"{ours:.4g}") == float(f"{theirs:.4g}") or abs(ours - theirs) <= 5e-5 * abs(theirs)


def compare(ours_npz: Path, theirs_npz: Path, ours: dict, theirs: dict) -> dict[str, object]:
    from rapport.analytics import clv

    a, b = np.load(ours_npz, allow_pickle=True), np.load(theirs_npz, allow_pickle=True)
    summary_identical = bool(
        np.array_equal(a["customer"], b["customer"].astype(a["customer"].dtype))
        and all(np.array_equal(a[k], b[k]) for k in ("frequency", "recency", "T"))
        and np.allclose(a["monetary_value"], b["monetary_value"], rtol=1e-12, atol=1e-12)
    )
    names = {"bgnbd": ("r", "alpha", "a", "b"), "gamma_gamma": ("p", "q", "v")}
    params = {
        model: {
            n: {"ours": ours[model][n], "lifetimes": theirs[model][n], "same_4_digits": same_to_4_digits(ours[model][n], theirs[model][n])}
            for n in keys
        }
        for model, keys in names.items()
    }
    own_params = {k: max_relative(a[k], b[k]) for k in ("expected_purchases", "probability_alive", "clv")}
    # Our prediction code evaluated at lifetimes' own parameters isolates the formulas from the fit.
    at_theirs = clv.predict_customers(
        purchases=clv.BgNbdParams(**theirs["bgnbd"]),
        spend=clv.GammaGammaParams(**theirs["gamma_gamma"]),
        frequency=b["frequency"],
        recency=b["recency"],
        T=b["T"],
        monetary_value=b["monetary_value"],
        time_unit="week",
    )
    same_params = {
        "expected_purchases": max_relative(at_theirs.expected_purchases, b["expected_purchases"]),
        "probability_alive": max_relative(at_theirs.probability_alive, b["probability_alive"]),
        "clv": max_relative(at_theirs.clv, b["clv"]),
    }
    return {
        "summary_identical": summary_identical,
        "parameters": params,
        "parameters_same_to_4_significant_digits": all(v["same_4_digits"] for m in params.values() for v in m.values()),
        "max_relative_difference_each_with_own_parameters": own_params,
        "max_relative_difference_at_the_same_parameters": same_params,
        "predictions_within_1e-6": max(own_params.values()) <= 1e-6 and max(same_params.values()) <= 1e-6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each pipeline; medians are reported")
    parser.add_argument("--child", choices=["ours", "lifetimes"], help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.csv, args.out)
        return

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        data = simulate(args.customers)
        csv_path = work / "transactions.csv"
        write_csv(data, csv_path)
        print(
            f"simulated {args.customers:,} customers, {len(data['customer']):,} transactions ({time.perf_counter() - started:.0f}s)",
            flush=True,
        )
        runs: dict[str, list[dict]] = {"ours": [], "lifetimes": []}
        for run in range(args.runs):
            for which in ("lifetimes", "ours"):
                result = spawn(which, csv_path, work / f"{which}.npz")
                runs[which].append(result)
                timings = ", ".join(f"{k} {v:.2f}s ({result['stages']['cpu'][k]:.2f}s CPU)" for k, v in result["stages"]["wall"].items())
                print(f"run {run + 1} {which}: {timings}, max RSS {result['max_rss_mb']:.0f} MB", flush=True)
        checks = compare(work / "ours.npz", work / "lifetimes.npz", runs["ours"][-1], runs["lifetimes"][-1])
        door = subprocess.run(
            [str(Path(sys.executable).parent / "rapport"), "clv", "fit", "--transactions", str(csv_path), "--customer", "customer_id",
             "--date", "date", "--amount", "amount", "--calibration-end", CALIBRATION_END, "--output", str(work / "door.csv")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        door_seconds = json.loads(door.stdout)["seconds"]

    def median(which: str, clock: str, stage: str) -> float:
        return statistics.median(r["stages"][clock][stage] for r in runs[which])

    def median_ratio(clock: str, stage: str) -> float:
        return statistics.median(
            t["stages"][clock][stage] / o["stages"][clock][stage] for t, o in zip(runs["lifetimes"], runs["ours"], strict=True)
        )

    stages = ("read_csv", "summary", "fit", "predict", "pipeline", "total")
    report = {
        "benchmark": "clv_vs_lifetimes",
        "customers": args.customers,
        "transactions": len(data["customer"]),
        "runs": args.runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_at_end": os.getloadavg()},
        "median_seconds": {clock: {which: {s: median(which, clock, s) for s in stages} for which in runs} for clock in ("wall", "cpu")},
        "speedup_median_of_runs": {clock: {s: median_ratio(clock, s) for s in stages} for clock in ("wall", "cpu")},
        "max_rss_mb": {which: max(r["max_rss_mb"] for r in runs[which]) for which in runs},
        "rapport_clv_fit_door_seconds": door_seconds,
        "checks": checks,
        "goal": "pipeline (summary + fit + predictions + CLV) at least 20x faster; parameters to 4 significant digits; predictions within 1e-6 relative",
    }
    report["goal_met"] = bool(
        report["speedup_median_of_runs"]["cpu"]["pipeline"] >= 20
        and checks["parameters_same_to_4_significant_digits"]
        and checks["predictions_within_1e-6"]
        and checks["summary_identical"]
    )
    # The issue asks for 20x overall, from the raw transactions file: reading it counts too.
    report["goal_met_from_the_file"] = report["goal_met"] and report["speedup_median_of_runs"]["cpu"]["total"] >= 20
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n")
    print(
        json.dumps(
            {k: report[k] for k in ("median_seconds", "speedup_median_of_runs", "max_rss_mb", "goal_met", "goal_met_from_the_file")},
            indent=2,
        )
    )
    print(json.dumps(checks, indent=2))


if __name__ == "__main__":
    main()
