"""``rapport segments fit``: k-means segments on RFM/CLV from the warehouse, written to the customer profiles."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from rapport.analytics.clustering import SEED, segments_fit
from rapport.analytics.engine import WarehouseMissing
from rapport.analytics.kept_segments import K_RANGE, cluster_name
from rapport.analytics.management.base import ModelCommand


class Command(ModelCommand):
    help = "Segmentation by clustering on the warehouse. `rapport segments fit --help` for the options."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        fit = actions.add_parser(
            "fit",
            help="cluster the accounts with orders (k-means on standardised RFM, and CLV when scored) and write their cluster",
            description=(
                "Cluster the accounts by recency, frequency and monetary value (and CLV when every account has one), choosing k "
                "by silhouette, seeded. Prints the segment profiles as JSON and writes each account's cluster to its profile."
            ),
        )
        fit.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD", help="orders up to this day (default: today)")
        fit.add_argument("--k-min", type=int, default=K_RANGE[0], metavar="K", help=f"fewest clusters tried (default: {K_RANGE[0]})")
        fit.add_argument("--k-max", type=int, default=K_RANGE[1], metavar="K", help=f"most clusters tried (default: {K_RANGE[1]})")
        fit.add_argument("--seed", type=int, default=SEED, help=f"k-means seed (default: {SEED})")
        fit.add_argument("--dry-run", action="store_true", help="print the profiles without writing them to the customers")

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            fit = segments_fit(
                as_of=options["as_of"], k_range=(options["k_min"], options["k_max"]), seed=options["seed"], write=not options["dry_run"]
            )
        except WarehouseMissing as exc:
            raise CommandError(exc.message) from exc
        result = fit.as_json()
        for cluster in result["clusters"]:
            cluster["name"] = cluster_name(cluster["name_key"])
        result["written"] = 0 if options["dry_run"] else fit.accounts
        return result
