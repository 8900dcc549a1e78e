"""``rapport warehouse build [--full]``, ``rapport warehouse score [--as-of DAY]``, ``rapport warehouse status``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rapport.analytics.scoring import customers_score
from rapport.analytics.warehouse import WarehouseBusy, current_version, warehouse_build, warehouse_root, warehouse_status


class Command(BaseCommand):
    help = "Build the analytical warehouse (Parquet star schema), score the customers from it, or show its status."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        build = actions.add_parser("build", help="extract what changed since the last build (everything the first time)")
        build.add_argument("--full", action="store_true", help="extract every row again instead of what changed")
        build.add_argument("--quiet", action="store_true", help="no progress bar")
        actions.add_parser("status", help="the current warehouse version and its tables' rows, as JSON")
        score = actions.add_parser("score", help="compute RFM, value deciles and VIPs and write them to the customer profiles")
        score.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD", help="score as of this day (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            status = warehouse_status()
            if status is None:
                raise CommandError(f"No warehouse yet in {warehouse_root()}: run `rapport warehouse build`.")
            self.stdout.write(json.dumps({**status, "built_at": status["built_at"].isoformat(), "path": str(warehouse_root())}, indent=1))
            return
        if options["action"] == "score":
            written = customers_score(as_of=options["as_of"])
            self.stdout.write(f"Scored {written:,} accounts from warehouse {current_version()}.")
            return
        bar = tqdm(total=0, unit="rows", unit_scale=True, disable=options["quiet"], file=self.stderr._out)

        def progress(step: str, done: int, total: int) -> None:
            bar.total = total
            bar.set_description(step)
            bar.update(done - bar.n)

        try:
            manifest = warehouse_build(full=options["full"], progress=progress)
        except WarehouseBusy as exc:
            raise CommandError(exc.message) from exc
        finally:
            bar.close()
        rows = {name: entry["rows"] for name, entry in sorted(manifest["tables"].items())}
        kind = "full" if manifest["full"] else "incremental"
        self.stdout.write(
            f"Warehouse {manifest['version']} ({kind}) in {warehouse_root()}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items())
        )
