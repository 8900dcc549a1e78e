"""``rapport serve``: the web server, optionally with migrations, demo data and a worker."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
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

        worker: _WorkerSupervisor | None = None
        if options["quickstart"]:
            call_command("migrate", interactive=False, verbosity=0)
            from rapport.core.models import User

            if not User.objects.exists():
                self.stdout.write("First run: loading demo data…")
                call_command("demo", contacts=options["demo_contacts"])
            worker = _WorkerSupervisor(self.stdout.write)
            worker.start()
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Rapport is running at {url}"))
        if options["quickstart"]:
            self.stdout.write("Demo login: admin / rapport-demo (also manager, rep.north, agent, marketer, analyst; same password)")
        self.stdout.write("Press Ctrl+C to stop.")

        def stop(*_: object) -> None:
            if worker is not None:
                worker.stop()
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        try:
            serve(application, host=options["host"], port=options["port"], threads=options["threads"], ident="Rapport")
        finally:
            if worker is not None:
                worker.stop()


class _WorkerSupervisor:
    """Keeps one ``rapport worker`` running beside the web server on a laptop install.

    A worker exits when its database connection breaks for good; under systemd
    or a container it is restarted from outside, here it is restarted by this
    thread, waiting longer after each quick failure.
    """

    def __init__(self, say: Any):
        self.say = say
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self._spawn()
        self.thread.start()

    def _spawn(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "rapport.cli", "worker"])
        self.say(f"Worker started (pid {self.process.pid}).")

    def _watch(self) -> None:
        delay = 1.0
        while not self.stopping.is_set():
            assert self.process is not None
            started = time.monotonic()
            code = self.process.wait()
            if self.stopping.is_set():
                return
            delay = 1.0 if time.monotonic() - started > 60 else min(delay * 2, 60.0)
            self.say(f"Worker exited with code {code}; restarting in {delay:.0f} s.")
            if self.stopping.wait(delay):
                return
            self._spawn()

    def stop(self) -> None:
        self.stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
