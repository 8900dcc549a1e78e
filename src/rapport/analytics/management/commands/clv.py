"""``rapport clv fit``: customer lifetime value (BG/NBD + Gamma-Gamma) from any transactions CSV."""

from __future__ import annotations

import csv
from dataclasses import replace
from typing import Any

import numpy as np
from django.core.management.base import CommandParser

from rapport.analytics import clv
from rapport.analytics.management.base import ModelCommand
from rapport.analytics.summary import TIME_UNITS, summarise_transactions
from rapport.analytics.tables import read_columns


class Command(ModelCommand):
    help = "Customer lifetime value models on a transactions file. `rapport clv fit --help` for the options."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        fit = actions.add_parser(
            "fit",
            help="fit BG/NBD and Gamma-Gamma and predict each customer's purchases, survival and CLV",
            description=(
                "Fit BG/NBD (purchase frequency and survival) and Gamma-Gamma (spend per purchase) by maximum likelihood "
                "on transactions up to the calibration end. Prints the parameters and log-likelihoods as JSON; "
                "per-customer predictions go to --output."
            ),
        )
        fit.add_argument("--transactions", required=True, metavar="FILE.csv", help="CSV file with a header line, one purchase a line")
        fit.add_argument("--customer", required=True, metavar="COL", help="column holding the customer id")
        fit.add_argument("--date", required=True, metavar="COL", help="column holding the purchase date (YYYY-MM-DD, or see --date-format)")
        fit.add_argument("--amount", required=True, metavar="COL", help="column holding the purchase amount")
        fit.add_argument("--calibration-end", required=True, metavar="DATE", help="last day of the calibration period (YYYY-MM-DD)")
        fit.add_argument("--time-unit", choices=TIME_UNITS, default="week", help="unit of recency, T and the model's rates (default: week)")
        fit.add_argument("--horizon-months", type=int, default=12, metavar="N", help="months of future purchases and CLV (default: 12)")
        fit.add_argument("--discount-rate", type=float, default=0.01, metavar="D", help="monthly discount rate for CLV (default: 0.01)")
        fit.add_argument("--output", metavar="FILE.csv", help="write one line of predictions per customer here")
        fit.add_argument("--date-format", metavar="FORMAT", help="strptime format of the dates when they are not ISO, e.g. %%Y%%m%%d")
        fit.add_argument("--delimiter", default=",", help="field separator of the file (default: ,)")

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        if options["horizon_months"] < 1:
            raise ValueError("--horizon-months must be at least 1")
        if options["discount_rate"] <= -1:
            raise ValueError("--discount-rate must be above -1")
        try:
            calibration_end = np.datetime64(options["calibration_end"], "D")
        except ValueError:
            raise ValueError(f"--calibration-end: '{options['calibration_end']}' is not a date (YYYY-MM-DD)") from None
        columns = read_columns(
            options["transactions"],
            [(options["customer"], "--customer", "id"), (options["date"], "--date", "date"), (options["amount"], "--amount", "number")],
            delimiter=options["delimiter"],
            date_format=options["date_format"],
        )
        # Customers are grouped by their codes (numbered in id order); the ids come back for the output.
        customers, customer_ids = columns[options["customer"]].factorized()
        dates = columns[options["date"]].dates()
        amounts = columns[options["amount"]].numbers()
        self.progress(f"read {len(dates):,} transactions")
        summary = summarise_transactions(
            customers=customers, dates=dates, amounts=amounts, calibration_end=calibration_end, time_unit=options["time_unit"]
        )
        summary = replace(summary, customer=customer_ids[summary.customer])
        if len(summary) == 0:
            raise ValueError(f"--calibration-end: no transaction on or before {calibration_end}")
        self.progress(f"summarised {len(summary):,} customers")
        purchases, spend = clv.fit_summary(summary)
        self.progress("fitted BG/NBD and Gamma-Gamma")
        predictions = clv.predict_summary(
            summary,
            purchases=purchases.params,
            spend=spend.params,
            horizon_months=options["horizon_months"],
            discount_rate=options["discount_rate"],
        )
        if options["output"]:
            _write_predictions(options["output"], summary, predictions)
            self.progress(f"wrote predictions to {options['output']}")
        return {
            "customers": len(summary),
            "transactions": len(dates),
            "calibration_end": str(calibration_end),
            "time_unit": summary.time_unit,
            "bgnbd": _fit_json(purchases),
            "gamma_gamma": _fit_json(spend),
            "horizon_months": options["horizon_months"],
            "discount_rate": options["discount_rate"],
            "totals": {
                "expected_purchases": float(predictions.expected_purchases.sum()),
                "clv": float(predictions.clv.sum()),
                "mean_probability_alive": float(predictions.probability_alive.mean()),
            },
            "output": options["output"],
        }


def _fit_json(fit: clv.Fit[Any]) -> dict[str, Any]:
    return {
        "params": {name: float(value) for name, value in fit.params._asdict().items()},
        "log_likelihood": fit.log_likelihood,
        "converged": fit.converged,
        "iterations": fit.iterations,
        "customers_used": fit.n_customers,
        "message": fit.message,
    }


def _write_predictions(path: str, summary: Any, predictions: clv.CustomerPredictions) -> None:
    ids = summary.customer
    labels = [v.decode("utf-8", errors="replace") for v in ids.tolist()] if ids.dtype.kind == "S" else ids.tolist()
    columns = [
        summary.frequency,
        summary.recency,
        summary.T,
        summary.monetary_value,
        predictions.expected_purchases,
        predictions.probability_alive,
        predictions.expected_spend,
        predictions.clv,
    ]
    try:
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "customer",
                    "frequency",
                    "recency",
                    "T",
                    "monetary_value",
                    "expected_purchases",
                    "probability_alive",
                    "expected_spend",
                    "clv",
                ]
            )
            writer.writerows(zip(labels, *(c.tolist() for c in columns), strict=True))
    except OSError as exc:
        raise ValueError(f"--output: cannot write {path}: {exc.strerror or exc}") from exc
