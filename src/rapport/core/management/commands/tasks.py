"""``rapport tasks``: failed background tasks, their errors, retrying them; the running workers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.common.errors import RapportError
from rapport.core.jobs.selectors import task_failed_list, task_get, worker_list
from rapport.core.jobs.services import task_retry


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


class Command(BaseCommand):
    help = "Inspect and retry background tasks: 'failed' lists them, 'show ID' prints one with its traceback, 'retry ID...' queues them again, 'workers' lists running workers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{failed,show,retry,workers}")
        failed = sub.add_parser("failed", help="list failed tasks, newest first")
        failed.add_argument("--limit", type=int, default=50)
        show = sub.add_parser("show", help="one task: its status, attempts and last error")
        show.add_argument("task_id")
        retry = sub.add_parser("retry", help="queue failed tasks again, with a fresh round of attempts")
        retry.add_argument("task_ids", nargs="+", metavar="ID")
        sub.add_parser("workers", help="running workers and when each was last heard from")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except RapportError as exc:
            raise CommandError(exc.message) from exc

    def _failed(self, options: dict[str, Any]) -> None:
        rows = list(task_failed_list()[: options["limit"]])
        if not rows:
            self.stdout.write("No failed tasks.")
            return
        for row in rows:
            finished = f"{row.finished_at:%Y-%m-%d %H:%M:%S}" if row.finished_at else "-"
            self.stdout.write(f"{row.pk}  {finished}  {row.task_path}  attempts={len(row.worker_ids)}  {_first_line(row.traceback)}")

    def _show(self, options: dict[str, Any]) -> None:
        row = task_get(task_id=options["task_id"])
        self.stdout.write(f"id:        {row.pk}\ntask:      {row.task_path}\nstatus:    {row.status}\nqueue:     {row.queue_name}")
        self.stdout.write(
            f"arguments: {row.args_kwargs}\nattempts:  {len(row.worker_ids)}\nenqueued:  {row.enqueued_at}\nfinished:  {row.finished_at}"
        )
        if row.traceback:
            self.stdout.write(f"error:     {row.exception_class_path}\n{row.traceback.rstrip()}")

    def _retry(self, options: dict[str, Any]) -> None:
        retried = task_retry(actor=None, task_ids=options["task_ids"], via="cli")
        for row in retried:
            self.stdout.write(self.style.SUCCESS(f"Queued again: {row.pk} ({row.task_path})"))

    def _workers(self, options: dict[str, Any]) -> None:
        rows = list(worker_list())
        if not rows:
            self.stdout.write("No worker is running.")
        for row in rows:
            self.stdout.write(
                f"{row.worker_id}  {row.hostname}  pid={row.pid}  queues={row.queues}  last seen {row.last_seen_at:%Y-%m-%d %H:%M:%S}"
            )
