"""``rapport demo``: load realistic demo data; run it again after Ctrl+C to continue."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rapport.dataops.demo import Bar, DemoConflict, DemoPlan, load_demo
from rapport.dataops.demo_data import PASSWORD

# What each phase's rows are, where its name does not say it.
PHASE_NAMES = {"purchase_history": "order histories"}


class Command(BaseCommand):
    help = (
        "Load demo data: regional sales teams, a user per role (password 'rapport-demo'), corporate groups, "
        "accounts, Chinese and English contacts, trade-show leads, two years of interactions, and a sales pipeline "
        "(products, price books, deals, quotes, quotas and lead routing rules). "
        "Interrupted loads resume when run again with the same options."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contacts", type=int, default=2000, help="contacts to create (default 2,000)")
        parser.add_argument("--accounts", type=int, default=None, help="accounts to create (default: one per eight contacts, at least 30)")
        parser.add_argument("--leads", type=int, default=None, help="leads to create (default: one per four contacts, at least 20)")
        parser.add_argument(
            "--interactions-per-contact", type=float, default=3.0, help="average interactions on each contact's timeline (default 3)"
        )
        parser.add_argument("--seed", type=int, default=42, help="the same seed gives the same data (default 42)")
        parser.add_argument(
            "--locale-mix", type=float, default=0.6, help="share of Chinese customers, 0 to 1; the rest are in the US (default 0.6)"
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="rows per transaction (default 2,000)")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = DemoPlan(
            contacts=options["contacts"],
            accounts=options["accounts"],
            leads=options["leads"],
            interactions_per_contact=options["interactions_per_contact"],
            seed=options["seed"],
            locale_mix=options["locale_mix"],
            batch_size=options["batch_size"],
        )
        quiet = options["verbosity"] == 0

        def progress(phase: str, total: int, done: int) -> Bar:
            return tqdm(total=total, initial=done, desc=f"{phase:<9}", unit=" rows", disable=quiet, file=self.stderr._out)

        started = time.monotonic()
        try:
            counts = load_demo(plan, progress=progress)
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            self.stderr.write("Interrupted. Every finished batch is saved; run the same command again to continue.")
            raise SystemExit(130) from None
        if not quiet:
            summary = ", ".join(f"{n:,} {PHASE_NAMES.get(phase, phase)}" for phase, n in counts.items() if phase != "story")
            self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.0f} s: {summary}."))
            self.stdout.write(f"Log in as admin, manager, rep.north, rep.east, rep.south, agent, marketer or analyst; password {PASSWORD}.")
