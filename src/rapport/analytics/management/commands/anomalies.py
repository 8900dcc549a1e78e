"""``rapport anomalies detect``: flag unusual orders and returns for fraud review."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from rapport.analytics.anomalies import anomalies_detect
from rapport.analytics.management.base import ModelCommand


class Command(ModelCommand):
    help = "Anomaly flags on orders and returns. `rapport anomalies detect --help` for the options."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "detect",
            help="run every rule over the orders and returns and store new flags (existing and reviewed flags are kept)",
            description="Unusual order amount, bursts of orders, high refund ratio, repeated quick returns, refunds above what was paid "
            "(docs/analytics/credit-and-anomalies.md). Prints a JSON summary.",
        )

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        self.progress("reading orders and returns")
        return anomalies_detect().as_json()
