"""``rapport mail import PATH...`` and ``rapport mail serve``: inbound email onto the timeline;
``rapport mail skipped`` and ``rapport mail file ID``: the mail that was not filed, for administrators.

Import and serve file through ``dataops.inbound_mail.inbound_mail_file``, the
service behind ``POST /api/v1/mail/inbound`` too. An import can be stopped and
run again over the same files: each Message-ID is filed once, so the second
run only reports the first run's messages as already filed. Listing and filing
skipped mail go through ``dataops.skipped_mail``, like the pages and the API.
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
from rapport.dataops.skipped_mail import skipped_mail_file, skipped_mail_list_for_user

SHOWN_PROBLEMS = 20
OPTIONS = {"contact_id": "--contact", "lead_id": "--lead", "account_id": "--account", "reason": "--reason"}


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
        skipped = sub.add_parser("skipped", help="list the mail that was not filed, newest first (administrators)")
        skipped.add_argument("--user", required=True, help="an administrator's username")
        skipped.add_argument("--reason", default="", help="only this reason: auto_reply, mailing_list, bounce, machine, no_sender, ...")
        skipped.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
        filing = sub.add_parser("file", help="file a skipped message on a contact's, lead's or account's timeline (administrators)")
        filing.add_argument("mail_id", type=int, metavar="ID", help="the message's id, from 'rapport mail skipped'")
        filing.add_argument("--user", required=True, help="an administrator's username")
        record = filing.add_mutually_exclusive_group(required=True)
        record.add_argument("--contact", type=int, dest="contact_id", metavar="ID")
        record.add_argument("--lead", type=int, dest="lead_id", metavar="ID")
        record.add_argument("--account", type=int, dest="account_id", metavar="ID")
        # BaseCommand's own options (--verbosity...) must reach the subcommands too.
        for subparser in (imp, serve, skipped, filing):
            subparser.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user '{options['user']}'.")
        actions = {"serve": self._serve, "skipped": self._skipped, "file": self._file}
        try:
            actions.get(options["action"], self._import)(user, options)
        except RapportError as exc:
            # A field the service names is an option here: "--contact: No such contact: 5."
            named = [f"{OPTIONS.get(name, name)}: {message}" for name, found in exc.field_errors.items() for message in found]
            raise CommandError("; ".join(named) or exc.message) from exc

    def _skipped(self, user: User, options: dict[str, Any]) -> None:
        rows = list(skipped_mail_list_for_user(user=user, reason=options["reason"]).order_by("-received_at", "-id")[: options["limit"]])
        for row in rows:
            when = row.received_at.strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{row.pk:>8}  {when}  {row.skip_reason or '-':<12}  {row.sender or '(no valid sender)'}  {row.subject}")
        self.stdout.write(f"{len(rows)} skipped message{'' if len(rows) == 1 else 's'}.")

    def _file(self, user: User, options: dict[str, Any]) -> None:
        chosen = {name: options[name] for name in ("contact_id", "lead_id", "account_id") if options[name] is not None}
        interaction = skipped_mail_file(actor=user, mail_id=options["mail_id"], **chosen, via="cli")
        kind, record_id = next(iter(chosen.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Filed message {options['mail_id']} on {kind.removesuffix('_id')} {record_id}: interaction {interaction.pk}."
            )
        )

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
