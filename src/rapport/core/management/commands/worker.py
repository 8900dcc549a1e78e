"""``rapport worker``: runs background tasks and periodic jobs."""

from __future__ import annotations

import logging
import sys
from argparse import ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from rapport.core.jobs.scheduler import Schedule, Scheduler, autodiscover
from rapport.core.jobs.worker import RapportWorker


def _positive(value: str) -> float:
    number = float(value)
    if not number >= 0:
        raise ArgumentTypeError("must be zero or more")
    return number


class Command(BaseCommand):
    help = (
        "Run background tasks (sending mail, reminders, imports, warehouse builds) and periodic jobs. "
        "Run as many workers as you like, on one machine or several: each task runs once at a time, "
        "each periodic slot fires once. A task whose worker dies is retried once the worker's heartbeat "
        "is older than --stale-after (at once on the same machine). SIGTERM or Ctrl+C finishes the "
        "running task and stops; a second one stops at once and puts the task back in the queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue", default="default", help="queues to take tasks from, comma-separated, or '*' for all (default: %(default)s)"
        )
        parser.add_argument("--interval", type=_positive, default=1.0, help="seconds to wait when no task is ready (default: %(default)s)")
        parser.add_argument(
            "--batch", action="store_true", help="run the tasks that are ready and the periodic jobs that are due, then exit"
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after running this many tasks")
        parser.add_argument(
            "--stale-after",
            type=_positive,
            default=None,
            help=f"seconds without a heartbeat after which a worker counts as lost (default: RAPPORT_WORKER_STALE_SECONDS, {settings.RAPPORT_WORKER_STALE_SECONDS})",
        )
        parser.add_argument("--worker-id", default=None, help="a name unique among the running workers (default: random)")
        parser.add_argument("--no-schedule", action="store_true", help="do not fire periodic jobs from this worker")

    def handle(self, *args: Any, **options: Any) -> None:
        self._log_to_console(options["verbosity"])
        worker_id = options["worker_id"]
        if worker_id is not None and not 0 < len(worker_id) <= 64:
            self.stderr.write("--worker-id: 1 to 64 characters.")
            sys.exit(2)
        worker = RapportWorker(
            queue_names=[q.strip() for q in options["queue"].split(",") if q.strip()] or ["default"],
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            stale_after=options["stale_after"] if options["stale_after"] is not None else settings.RAPPORT_WORKER_STALE_SECONDS,
        )
        if options["no_schedule"]:
            worker.scheduler = Scheduler(worker_id=worker.worker_id, schedule=Schedule())
        else:
            autodiscover()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()

    def _log_to_console(self, verbosity: int) -> None:
        level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
        for name in ("rapport.core.jobs", "django_tasks_db", "django_tasks"):
            logger = logging.getLogger(name)
            logger.setLevel(level)
            if not logger.handlers:
                handler = logging.StreamHandler(self.stdout)
                handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
                logger.addHandler(handler)
                logger.propagate = False
