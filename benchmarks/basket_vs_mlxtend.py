"""Market-basket rules, Rapport's own FP-growth against mlxtend and pyfim, side by side on the same data.

    uv sync --group bench && .venv/bin/python benchmarks/basket_vs_mlxtend.py [--baskets 1000000] [--runs 3]

Generates baskets over 1,000 items with Zipf-like popularity and planted bundles (fixed seed), then
runs each library in fresh child processes (peak memory is each one's own), each from the same
(basket, item) order lines converted to its own input format: Rapport's compressed rows, mlxtend's
one-hot DataFrame (its documented input), pyfim's list of baskets (Borgelt's C code, the near-limit
reference). Checks the itemsets and rules are identical to mlxtend's (and the itemsets to pyfim's)
and writes benchmarks/results/basket_vs_mlxtend.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "basket_vs_mlxtend.json"
N_ITEMS = 1000


def make_baskets(n_baskets: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Order lines (basket, item): sizes 1 + Poisson(3), items by a Zipf(1.1) popularity, 30 bundles bought together by 1% each."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, N_ITEMS + 1) ** 1.1
    popularity /= popularity.sum()
    sizes = 1 + rng.poisson(3.0, n_baskets)
    basket = np.repeat(np.arange(n_baskets), sizes)
    item = rng.choice(N_ITEMS, size=len(basket), p=popularity)
    extra_baskets, extra_items = [basket], [item]
    for size in rng.integers(2, 5, 30):
        bundle = rng.choice(N_ITEMS, size=size, replace=False)
        hit = np.flatnonzero(rng.random(n_baskets) < 0.01)
        extra_baskets.append(np.repeat(hit, len(bundle)))
        extra_items.append(np.tile(bundle, len(hit)))
    basket, item = np.concatenate(extra_baskets), np.concatenate(extra_items)
    order = np.argsort(basket, kind="stable")
    return basket[order], item[order]


def _baskets_as_lists(basket: np.ndarray, item: np.ndarray) -> list[list[int]]:
    starts = [*np.flatnonzero(np.r_[True, basket[1:] != basket[:-1]]).tolist(), len(basket)]
    items = item.tolist()
    return [sorted(set(items[s:e])) for s, e in itertools.pairwise(starts)]


# --- the three contenders, each run in a child process ---------------------------------------------


def run_ours(basket: np.ndarray, item: np.ndarray, min_support: float, min_confidence: float) -> tuple[dict, dict, list]:
    from rapport.analytics import basket as fp

    t0 = time.perf_counter()
    data = fp.baskets_from_pairs(baskets=basket, items=item)
    t1 = time.perf_counter()
    itemsets = fp.frequent_itemsets(data, min_support=min_support)
    t2 = time.perf_counter()
    rules = fp.association_rules(itemsets, n_baskets=data.n_baskets, min_confidence=min_confidence)
    t3 = time.perf_counter()
    stages = {"prepare": t1 - t0, "itemsets": t2 - t1, "rules": t3 - t2, "total": t3 - t0}
    found = {frozenset(s.items): s.support for s in itemsets}
    return (
        stages,
        found,
        [(frozenset(r.antecedent), frozenset(r.consequent), r.support, r.confidence, r.lift, r.leverage, r.conviction) for r in rules],
    )


def run_mlxtend(basket: np.ndarray, item: np.ndarray, min_support: float, min_confidence: float) -> tuple[dict, dict, list]:
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    t0 = time.perf_counter()
    onehot = np.zeros((int(basket.max()) + 1, N_ITEMS), dtype=bool)
    onehot[basket, item] = True
    frame = pd.DataFrame(onehot, columns=list(range(N_ITEMS)))
    t1 = time.perf_counter()
    itemsets = fpgrowth(frame, min_support=min_support, use_colnames=True)
    t2 = time.perf_counter()
    rules = association_rules(itemsets, len(frame), metric="confidence", min_threshold=min_confidence)
    t3 = time.perf_counter()
    stages = {"prepare": t1 - t0, "itemsets": t2 - t1, "rules": t3 - t2, "total": t3 - t0}
    found = {frozenset(int(i) for i in s): float(v) for s, v in zip(itemsets["itemsets"], itemsets["support"], strict=True)}
    columns = zip(
        rules["antecedents"],
        rules["consequents"],
        *(rules[k] for k in ("support", "confidence", "lift", "leverage", "conviction")),
        strict=True,
    )
    return stages, found, [(frozenset(int(i) for i in a), frozenset(int(i) for i in c), *map(float, rest)) for a, c, *rest in columns]


def run_pyfim(basket: np.ndarray, item: np.ndarray, min_support: float, min_confidence: float) -> tuple[dict, dict, list]:
    import fim

    t0 = time.perf_counter()
    transactions = _baskets_as_lists(basket, item)
    t1 = time.perf_counter()
    # pyfim takes the minimum support in percent; report="a" gives absolute counts.
    itemsets = fim.fpgrowth(transactions, target="s", supp=min_support * 100, zmin=1, report="a")
    t2 = time.perf_counter()
    rules = fim.fpgrowth(transactions, target="r", supp=min_support * 100, conf=min_confidence * 100, zmin=2, report="a")
    t3 = time.perf_counter()
    stages = {"prepare": t1 - t0, "itemsets": t2 - t1, "rules": t3 - t2, "total": t3 - t0}
    n = float(len(transactions))
    return stages, {frozenset(s): count / n for s, count in itemsets}, [(len(rules),)]


def peak_rss_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over from the parent across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(which: str, data_path: Path, out: Path, min_support: float, min_confidence: float) -> None:
    loaded = np.load(data_path)
    runner = {"ours": run_ours, "mlxtend": run_mlxtend, "pyfim": run_pyfim}[which]
    stages, itemsets, rules = runner(loaded["basket"], loaded["item"], min_support, min_confidence)
    with out.open("wb") as handle:
        pickle.dump({"itemsets": itemsets, "rules": rules}, handle)
    print(
        json.dumps(
            {
                "stages": stages,
                "itemsets": len(itemsets),
                "rules": len(rules) if which != "pyfim" else rules[0][0],
                "max_rss_mb": peak_rss_mb(),
            }
        )
    )


def spawn(which: str, data_path: Path, out: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", which, "--data", str(data_path), "--out", str(out)]
    command += ["--min-support", str(args.min_support), "--min-confidence", str(args.min_confidence)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{which} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(work: Path) -> dict[str, object]:
    def load(which: str) -> dict:
        with (work / f"{which}.pickle").open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - our own child's file

    ours, theirs, pyfim = load("ours"), load("mlxtend"), load("pyfim")
    rules_ours = {(a, c): rest for a, c, *rest in ours["rules"]}
    rules_theirs = {(a, c): rest for a, c, *rest in theirs["rules"]}
    worst = 0.0
    for key, measures in rules_theirs.items():
        if key in rules_ours:
            for x, y in zip(rules_ours[key], measures, strict=True):
                if np.isfinite(y):
                    worst = max(worst, abs(x - y) / max(abs(y), 1e-300))
                elif x != y:
                    worst = float("inf")
    supports_equal = ours["itemsets"].keys() == theirs["itemsets"].keys() and all(
        ours["itemsets"][k] == v for k, v in theirs["itemsets"].items()
    )
    return {
        "itemsets": {"ours": len(ours["itemsets"]), "mlxtend": len(theirs["itemsets"]), "pyfim": len(pyfim["itemsets"])},
        "itemsets_identical_to_mlxtend": supports_equal,
        "itemsets_identical_to_pyfim": ours["itemsets"].keys() == pyfim["itemsets"].keys(),
        "rules": {"ours": len(rules_ours), "mlxtend": len(rules_theirs)},
        "rules_identical_to_mlxtend": rules_ours.keys() == rules_theirs.keys() and worst <= 1e-12,
        "rules_max_relative_difference": worst,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baskets", type=int, default=1_000_000)
    parser.add_argument("--min-support", type=float, default=0.001)
    parser.add_argument("--min-confidence", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3, help="runs of each contender; medians are reported")
    parser.add_argument("--child", choices=["ours", "mlxtend", "pyfim"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.out, args.min_support, args.min_confidence)
        return

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        basket, item = make_baskets(args.baskets)
        np.savez(work / "lines.npz", basket=basket, item=item)
        csv_path = work / "lines.csv"
        with csv_path.open("w") as handle:
            handle.write("order_id,product\n")
            handle.write("".join(f"{b},{i}\n" for b, i in zip(basket.tolist(), item.tolist(), strict=True)))
        print(f"{args.baskets:,} baskets, {len(basket):,} order lines over {N_ITEMS} items", flush=True)
        runs: dict[str, list[dict]] = {"ours": [], "pyfim": [], "mlxtend": []}
        for run in range(args.runs):
            for which in runs:
                result = spawn(which, work / "lines.npz", work / f"{which}.pickle", args)
                runs[which].append(result)
                print(
                    f"run {run + 1} {which}: "
                    + ", ".join(f"{k} {v:.2f}s" for k, v in result["stages"].items())
                    + f", max RSS {result['max_rss_mb']:.0f} MB",
                    flush=True,
                )
        checks = compare(work)
        started = time.perf_counter()
        door = subprocess.run(
            [str(Path(sys.executable).parent / "rapport"), "basket", "rules", "--baskets", str(csv_path), "--basket", "order_id",
             "--item", "product", "--min-support", str(args.min_support), "--min-confidence", str(args.min_confidence)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        door_seconds = time.perf_counter() - started
        door_rules = len(json.loads(door.stdout)["rules"])

    def median(which: str, stage: str) -> float:
        return statistics.median(r["stages"][stage] for r in runs[which])

    stages = ("prepare", "itemsets", "rules", "total")
    medians = {which: {s: median(which, s) for s in stages} for which in runs}
    mined = {which: medians[which]["itemsets"] + medians[which]["rules"] for which in runs}
    report = {
        "benchmark": "basket_vs_mlxtend",
        "baskets": args.baskets,
        "order_lines": len(basket),
        "items": N_ITEMS,
        "min_support": args.min_support,
        "min_confidence": args.min_confidence,
        "runs": args.runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_at_end": os.getloadavg()},
        "median_seconds": medians,
        "speedup_vs_mlxtend": {
            "total_from_order_lines": medians["mlxtend"]["total"] / medians["ours"]["total"],
            "ours_total_vs_mlxtend_itemsets_and_rules_without_encoding": mined["mlxtend"] / medians["ours"]["total"],
        },
        "ratio_to_pyfim": {
            "itemsets_from_order_lines": (medians["ours"]["prepare"] + medians["ours"]["itemsets"])
            / (medians["pyfim"]["prepare"] + medians["pyfim"]["itemsets"]),
            "itemsets_mining_only": medians["ours"]["itemsets"] / medians["pyfim"]["itemsets"],
        },
        "max_rss_mb": {which: max(r["max_rss_mb"] for r in runs[which]) for which in runs},
        "rapport_basket_rules_door_seconds": door_seconds,
        "door_rules": door_rules,
        "checks": checks,
        "goal": "same itemsets and rules as mlxtend, at least 10x faster than mlxtend, within 1.5x of pyfim, bounded memory",
    }
    report["goal_met"] = bool(
        checks["itemsets_identical_to_mlxtend"]
        and checks["rules_identical_to_mlxtend"]
        and report["speedup_vs_mlxtend"]["ours_total_vs_mlxtend_itemsets_and_rules_without_encoding"] >= 10
        and report["ratio_to_pyfim"]["itemsets_from_order_lines"] <= 1.5
    )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n")
    print(
        json.dumps(
            {k: report[k] for k in ("median_seconds", "speedup_vs_mlxtend", "ratio_to_pyfim", "max_rss_mb", "checks", "goal_met")}, indent=2
        )
    )


if __name__ == "__main__":
    main()
