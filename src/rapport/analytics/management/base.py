"""What the analysts' model doors share: JSON on stdout, progress on stderr, errors without tracebacks."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, no_translations

from rapport.analytics.tables import TableError


class ModelCommand(BaseCommand):
    """A command whose ``run`` returns the JSON document to print."""

    started = 0.0

    # The JSON is read by programs: English labels whatever language the caller left active.
    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        self.started = time.perf_counter()
        try:
            result = self.run(options)
        except (TableError, ValueError) as exc:
            # Bad input is the analyst's to fix: a message naming the option, exit code 1, no traceback.
            raise CommandError(str(exc)) from exc
        result["seconds"] = round(time.perf_counter() - self.started, 3)
        self.stdout.write(json.dumps(result, indent=1))

    def run(self, options: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def progress(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.2f}s] {message}", file=sys.stderr, flush=True)
