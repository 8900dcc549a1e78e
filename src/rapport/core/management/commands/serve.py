"""``rapport serve``: the web server (gunicorn, one process per core), optionally with migrations, demo data and a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.core.serving import ServeOptions, serve, usable_cores

# A laptop demo on SQLite needs no more: writes queue on one file anyway, and each process holds a copy of the app.
QUICKSTART_MAX_WORKERS = 2

# option -> (environment variable, default, smallest value allowed)
TUNABLES: dict[str, tuple[str, int | None, int]] = {
    "workers": ("RAPPORT_WEB_WORKERS", None, 1),
    "threads": ("RAPPORT_WEB_THREADS", 4, 1),
    "timeout": ("RAPPORT_WEB_TIMEOUT", 30, 1),
    "graceful_timeout": ("RAPPORT_WEB_GRACEFUL_TIMEOUT", 30, 0),
    "max_requests": ("RAPPORT_WEB_MAX_REQUESTS", 1000, 0),
}


class Command(BaseCommand):
    help = (
        "Serve Rapport over HTTP: one gunicorn worker process per core, each with a few threads. "
        "SIGTERM finishes the requests in flight, then stops. "
        "With --quickstart: migrate, load demo data on first run and start a background worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            help=f"web processes (env RAPPORT_WEB_WORKERS; default: one per core, {QUICKSTART_MAX_WORKERS} at most with --quickstart)",
        )
        parser.add_argument("--threads", type=int, help="threads per web process (env RAPPORT_WEB_THREADS; default 4)")
        parser.add_argument(
            "--timeout",
            type=int,
            help="seconds a web process may stop answering its master before it is replaced (env RAPPORT_WEB_TIMEOUT; default 30)",
        )
        parser.add_argument(
            "--graceful-timeout",
            type=int,
            help="on SIGTERM, seconds the requests in flight get to finish (env RAPPORT_WEB_GRACEFUL_TIMEOUT; default 30)",
        )
        parser.add_argument(
            "--max-requests",
            type=int,
            help="replace a web process after this many requests, 0 never (env RAPPORT_WEB_MAX_REQUESTS; default 1000)",
        )
        parser.add_argument("--access-log", help="file for the access log, '-' for standard output (env RAPPORT_ACCESS_LOG; default none)")
        parser.add_argument("--quickstart", action="store_true", help="migrate, load demo data if the database is empty, start a worker")
        parser.add_argument("--demo-contacts", type=int, default=2000, help="contacts the first-run demo data creates")

    def handle(self, *args: Any, **options: Any) -> None:
        tuned = {name: _tunable(name, options[name]) for name in TUNABLES}
        workers = tuned["workers"] or (min(usable_cores(), QUICKSTART_MAX_WORKERS) if options["quickstart"] else usable_cores())
        serve_options = ServeOptions(
            host=options["host"],
            port=options["port"],
            workers=workers,
            threads=tuned["threads"] or 1,
            timeout=tuned["timeout"] or 1,
            graceful_timeout=tuned["graceful_timeout"] or 0,
            max_requests=tuned["max_requests"] or 0,
            access_log=options["access_log"] or os.environ.get("RAPPORT_ACCESS_LOG") or None,
        )
        url = f"http://{options['host']}:{options['port']}/"
        if not options["quickstart"]:
            self.stdout.write(self.style.SUCCESS(f"Rapport is starting at {url} ({workers} processes × {serve_options.threads} threads)"))
            self.stdout.flush()
            serve(serve_options)
            return
        self._quickstart(serve_options, url, options["demo_contacts"])

    def _quickstart(self, serve_options: ServeOptions, url: str, demo_contacts: int) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        from rapport.core.models import User

        if not User.objects.exists():
            self.stdout.write("First run: loading demo data…")
            call_command("demo", contacts=demo_contacts)
        worker = _WorkerSupervisor(self.stdout.write)
        worker.start()
        # The web server runs as a child process: gunicorn's master reaps every child it has, which
        # would take the background worker's exit status from the supervisor watching it. The arguments are
        # this command's own, validated options.
        server = subprocess.Popen([sys.executable, "-m", "rapport.cli", "serve", *_server_arguments(serve_options)])  # noqa: S603
        self.stdout.write(self.style.SUCCESS(f"Rapport is running at {url}"))
        self.stdout.write("Demo login: admin / rapport-demo (also manager, rep.north, agent, marketer, analyst; same password)")
        self.stdout.write("Press Ctrl+C to stop.")

        def stop(*_: object) -> None:
            # The server finishes its requests in flight; the worker finishes its task.
            server.terminate()
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        try:
            code = server.wait()
        except KeyboardInterrupt:  # Ctrl+C reaches the server and the worker too (one process group)
            code = server.wait()
        finally:
            worker.stop()
        if code not in (0, -signal.SIGTERM, -signal.SIGINT):
            raise CommandError(f"the web server stopped with exit code {code}")


def _tunable(name: str, given: int | None) -> int | None:
    variable, default, smallest = TUNABLES[name]
    option = "--" + name.replace("_", "-")
    if given is not None:
        source, value = option, given
    elif raw := os.environ.get(variable, "").strip():
        try:
            source, value = variable, int(raw)
        except ValueError:
            raise CommandError(f"{variable} must be a whole number, not {raw!r}") from None
    else:
        return default
    if value < smallest:
        raise CommandError(f"{source} must be at least {smallest}, not {value}")
    return value


def _server_arguments(options: ServeOptions) -> list[str]:
    arguments = ["--host", options.host, "--port", str(options.port), "--workers", str(options.workers), "--threads", str(options.threads)]
    arguments += [
        "--timeout",
        str(options.timeout),
        "--graceful-timeout",
        str(options.graceful_timeout),
        "--max-requests",
        str(options.max_requests),
    ]
    return arguments + (["--access-log", options.access_log] if options.access_log else [])


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
