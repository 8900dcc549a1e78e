"""``rapport worker``: runs background tasks (django-tasks' database worker)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background tasks: sending mail, reminders, imports, warehouse builds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--batch", action="store_true", help="exit when no task is ready")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker", interval=options["interval"], batch=options["batch"], reload=False)
