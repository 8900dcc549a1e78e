"""``rapport churn fit [--as-of DAY] [--window-days N] [--care-tasks]``: fit the churn model, print its report as JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from rapport.analytics.churn.care import care_tasks_create
from rapport.analytics.churn.model import DEFAULT_WINDOW_DAYS
from rapport.analytics.churn.runs import churn_refresh
from rapport.analytics.management.base import ModelCommand
from rapport.common.errors import RapportError


class Command(ModelCommand):
    help = "Fit the churn risk model on the current warehouse, write the scores to the customer profiles, print the report as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        fit = actions.add_parser("fit", help="fit, validate out of time, score every customer and store the run")
        fit.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD", help="score as of this day (default: today)")
        fit.add_argument("--window-days", type=int, default=DEFAULT_WINDOW_DAYS, help="churned = no order in this many days after a cutoff")
        fit.add_argument(
            "--care-tasks", action="store_true", help="also create this month's care calls for valuable customers at high risk"
        )

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        self.progress("fitting the churn model")
        try:
            run = churn_refresh(as_of=options["as_of"], window_days=options["window_days"])
            care = care_tasks_create(actor=None, run=run) if options["care_tasks"] else None
        except RapportError as exc:
            raise ValueError(exc.message) from exc
        return {
            "run_id": run.pk,
            "as_of": run.as_of.isoformat(),
            "warehouse_version": run.warehouse_version,
            "window_days": run.window_days,
            "train_cutoff": run.train_cutoff.isoformat(),
            "validation_cutoff": run.validation_cutoff.isoformat(),
            "params": run.params,
            "metrics": run.metrics,
            "importance": run.importance,
            "scored": run.scored,
            "high_risk": run.high_risk,
            "contacted": run.contacted,
            "retained": run.retained,
            "care_tasks_created": care,
        }
