"""``rapport serve``: the web server, optionally with migrations, demo data and a worker."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Rapport over HTTP (waitress). With --quickstart: migrate, load demo data on first run and start a worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--quickstart", action="store_true", help="migrate, load demo data if the database is empty, start a worker")
        parser.add_argument("--demo-contacts", type=int, default=2000, help="contacts the first-run demo data creates")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from rapport.wsgi import application

        worker: subprocess.Popen[bytes] | None = None
        if options["quickstart"]:
            call_command("migrate", interactive=False, verbosity=0)
            from rapport.core.models import User

            if not User.objects.exists():
                self.stdout.write("First run: loading demo data…")
                call_command("demo", contacts=options["demo_contacts"])
            worker = subprocess.Popen([sys.executable, "-m", "rapport.cli", "worker"])
            self.stdout.write(f"Worker started (pid {worker.pid}).")
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Rapport is running at {url}"))
        if options["quickstart"]:
            self.stdout.write("Demo login: admin / rapport-demo (also manager, rep.north, agent, marketer, analyst; same password)")
        self.stdout.write("Press Ctrl+C to stop.")

        def stop(*_: object) -> None:
            if worker is not None:
                worker.terminate()
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        try:
            serve(application, host=options["host"], port=options["port"], threads=options["threads"], ident="Rapport")
        finally:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=10)
