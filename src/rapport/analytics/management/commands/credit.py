"""``rapport credit score``: measure every account's payment behaviour and write its credit score."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from rapport.analytics.credit import credit_refresh
from rapport.analytics.management.base import ModelCommand


class Command(ModelCommand):
    help = "Credit behaviour from invoices and payments. `rapport credit score --help` for the options."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        score = actions.add_parser(
            "score",
            help="measure payment delays and amounts owed per account and write the credit score and grade to the profiles",
            description=(
                "Days to pay, delays past the due date, share paid late, outstanding and overdue amounts in the base currency, "
                "and a 0-100 score with grades A-E (docs/analytics/credit-and-anomalies.md). Prints a JSON summary."
            ),
        )
        score.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD", help="measure as on this day (default: today)")
        score.add_argument("--account", type=int, action="append", metavar="ID", help="only this account (repeatable)")

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        self.progress("reading invoices")
        run = credit_refresh(as_of=options["as_of"], account_ids=options["account"])
        self.progress(f"{run.written} profiles written")
        return run.as_json()
