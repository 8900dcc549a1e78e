"""``rapport mail import PATH...`` and ``rapport mail serve``: inbound email onto the timeline.

Both file through ``dataops.inbound_mail.inbound_mail_file``, the service
behind ``POST /api/v1/mail/inbound`` too. An import can be stopped and run
again over the same files: each Message-ID is filed once, so the second run
only reports the first run's messages as already filed.
"""

from __future__ import annotations

import signal
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rapport.common.errors import RapportError
from rapport.common.mail_parse import MAX_HEADER_BYTES, max_mail_bytes
from rapport.core.models import User
from rapport.dataops.inbound_mail import inbound_mail_file, inbound_mail_too_large
from rapport.dataops.mail_receiver import mail_receiver

SHOWN_PROBLEMS = 20


def _messages(paths: list[str]) -> list[Path]:
    """The files named, and the .eml files under each directory named (sorted, so a rerun goes in the same order)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".eml"))
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"No file or directory {path}.")
    return found


class Command(BaseCommand):
    help = "Inbound email: import .eml files, or receive mail over SMTP, onto the interaction timeline."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="file .eml messages (files, or directories searched for *.eml)")
        imp.add_argument("paths", nargs="+", metavar="PATH")
        imp.add_argument("--user", required=True, help="username the mail is filed as: it must see the customers it names")
        serve = sub.add_parser("serve", help="receive mail over SMTP and file each message as it arrives")
        serve.add_argument("--user", required=True, help="username the mail is filed as")
        serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
        serve.add_argument("--port", type=int, default=2525)
        # BaseCommand's own options (--verbosity...) must reach the subcommands too.
        for subparser in (imp, serve):
            subparser.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user '{options['user']}'.")
        if options["action"] == "serve":
            self._serve(user, options)
        else:
            self._import(user, options)

    def _import(self, user: User, options: dict[str, Any]) -> None:
        files = _messages(options["paths"])
        counts: Counter[str] = Counter()
        problems: list[str] = []
        limit = max_mail_bytes()
        bar = tqdm(files, unit=" messages", desc="mail", disable=options["verbosity"] == 0, file=self.stderr._out)
        for path in bar:
            if (size := path.stat().st_size) > limit:
                with path.open("rb") as head:
                    inbound_mail_too_large(actor=user, head=head.read(MAX_HEADER_BYTES), size=size, via="file")
                counts["refused"] += 1
                problems.append(f"{path}: larger than {limit // (1024 * 1024)} MB.")
                continue
            try:
                result = inbound_mail_file(actor=user, raw=path.read_bytes(), via="file")
            except RapportError as exc:
                counts["refused"] += 1
                problems.append(f"{path}: {exc.message}")
                continue
            counts[result.outcome] += 1
            counts["new leads"] += result.created_lead
            if result.outcome == "skipped":
                problems.append(f"{path}: {result.reason}")
        bar.close()
        for line in problems[:SHOWN_PROBLEMS]:
            self.stdout.write(self.style.WARNING(line))
        if len(problems) > SHOWN_PROBLEMS:
            self.stdout.write(f"... and {len(problems) - SHOWN_PROBLEMS} more.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(files)} messages: {counts['filed']} filed ({counts['new leads']} from new senders, now leads), "
                f"{counts['duplicate']} seen before, {counts['skipped']} skipped, {counts['refused']} refused."
            )
        )

    def _serve(self, user: User, options: dict[str, Any]) -> None:
        controller = mail_receiver(user=user, host=options["host"], port=options["port"])
        controller.start()
        self.stdout.write(self.style.SUCCESS(f"Receiving mail on {options['host']}:{options['port']}, filed as {user.username}."))
        self.stdout.write("Press Ctrl+C to stop.")
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
