"""The analysts' doors: `rapport clv fit` and `rapport basket rules` on CSV files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rapport.analytics import clv
from rapport.analytics.summary import summarise_transactions
from rapport.analytics.tests.test_summary import cdnow_transactions

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cdnow") / "purchases.csv"
    lines = ["client;when;cds;spent"]
    for line in (DATA / "CDNOW_sample.txt").read_text().splitlines():
        customer, _, date, cds, amount = line.split()
        lines.append(f"{customer};{date};{cds};{amount}")
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args: str) -> dict:
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_clv_fit_prints_the_models_and_writes_predictions(cdnow_csv, tmp_path):
    output = tmp_path / "clv.csv"
    result = run(
        "clv", "fit", "--transactions", str(cdnow_csv), "--customer", "client", "--date", "when", "--amount", "spent",
        "--calibration-end", "1997-09-30", "--date-format", "%Y%m%d", "--delimiter", ";", "--output", str(output),
        "--horizon-months", "6", "--discount-rate", "0.02",
    )  # fmt: skip
    customers, dates, amounts = cdnow_transactions()
    summary = summarise_transactions(customers=customers, dates=dates, amounts=amounts, calibration_end="1997-09-30", time_unit="week")
    purchases = clv.bgnbd_fit(frequency=summary.frequency, recency=summary.recency, T=summary.T)
    spend = clv.gamma_gamma_fit(frequency=summary.frequency, monetary_value=summary.monetary_value)
    assert result["customers"] == 2357 and result["transactions"] == 6919
    assert result["bgnbd"]["params"] == purchases.params._asdict()
    assert result["bgnbd"]["log_likelihood"] == purchases.log_likelihood
    assert result["gamma_gamma"]["params"] == spend.params._asdict()
    assert result["bgnbd"]["converged"] and result["gamma_gamma"]["converged"]
    predictions = clv.predict_customers(
        purchases=purchases.params, spend=spend.params, frequency=summary.frequency, recency=summary.recency, T=summary.T,
        monetary_value=summary.monetary_value, time_unit="week", horizon_months=6, discount_rate=0.02,
    )  # fmt: skip
    rows = list(csv.DictReader(output.open()))
    assert len(rows) == 2357
    assert rows[0]["customer"] == "00004"  # ids keep their leading zeros
    assert [float(r["clv"]) for r in rows] == predictions.clv.tolist()
    assert result["totals"]["clv"] == pytest.approx(predictions.clv.sum())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--customer": "buyer"}, "--customer: no column 'buyer'"),
        ({"--calibration-end": "30/09/1997"}, "--calibration-end: '30/09/1997' is not a date"),
        ({"--date-format": "%d.%m.%Y"}, "--date: '19970101' in column 'when' (row 1) is not a date in the format %d.%m.%Y"),
        ({"--calibration-end": "1990-01-01"}, "--calibration-end: no transaction on or before 1990-01-01"),
        ({"--horizon-months": "0"}, "--horizon-months must be at least 1"),
    ],
)
def test_clv_fit_names_what_is_wrong(cdnow_csv, change, message):
    options = {"--transactions": str(cdnow_csv), "--customer": "client", "--date": "when", "--amount": "spent",
               "--calibration-end": "1997-09-30", "--date-format": "%Y%m%d", "--delimiter": ";"}  # fmt: skip
    options.update(change)
    with pytest.raises(CommandError) as raised:
        call_command("clv", "fit", *[part for pair in options.items() for part in pair], stdout=StringIO())
    assert str(raised.value).startswith(message)


def test_bad_amounts_and_empty_files_are_refused_by_name(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,day,total\n1,2024-01-01,12.5\n1,2024-02-01,twelve\n")
    with pytest.raises(CommandError, match="--amount: 'twelve' in column 'total' \\(row 2\\) is not a number"):
        call_command("clv", "fit", "--transactions", str(bad), "--customer", "id", "--date", "day", "--amount", "total",
                     "--calibration-end", "2024-03-01", stdout=StringIO())  # fmt: skip
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="is empty"):
        call_command("basket", "rules", "--baskets", str(empty), "--basket", "order", "--item", "sku",
                     "--min-support", "0.1", "--min-confidence", "0.5", stdout=StringIO())  # fmt: skip


def test_an_error_exits_non_zero_without_a_traceback(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order,sku\n1,a\n")
    done = subprocess.run(
        [sys.executable, "-m", "rapport.cli", "basket", "rules", "--baskets", str(path), "--basket", "order", "--item", "product",
         "--min-support", "0.1", "--min-confidence", "0.5"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "--item: no column 'product'" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_basket_rules_prints_itemsets_and_rules_and_next_best_products(tmp_path):
    path = tmp_path / "orders.csv"
    lines = ["order,customer,sku"]
    baskets = {
        1: ("ann", "bread butter jam"),
        2: ("ann", "bread butter"),
        3: ("bob", "bread"),
        4: ("cy", "milk tea"),
        5: ("cy", "bread butter"),
    }
    for order, (customer, skus) in baskets.items():
        lines += [f'{order},{customer},"{sku}"' for sku in skus.split()]
    path.write_text("\n".join(lines) + "\n")
    output = tmp_path / "next.csv"
    result = run("basket", "rules", "--baskets", str(path), "--basket", "order", "--item", "sku", "--min-support", "0.4",
                 "--min-confidence", "0.7", "--customer", "customer", "--output", str(output))  # fmt: skip
    assert (result["baskets"], result["items"]) == (5, 5)
    assert [(s["items"], s["count"]) for s in result["itemsets"]] == [(["bread"], 4), (["butter"], 3), (["bread", "butter"], 3)]
    assert [(r["antecedent"], r["consequent"], r["confidence"], r["conviction"]) for r in result["rules"]] == [
        (["bread"], ["butter"], 0.75, pytest.approx((1 - 0.6) / 0.25)),
        (["butter"], ["bread"], 1.0, None),
    ]
    assert list(csv.reader(output.open())) == [
        ["customer", "rank", "product", "confidence", "lift"],
        ["bob", "1", "butter", "0.75", "1.25"],
    ]
