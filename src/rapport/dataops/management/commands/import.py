"""``rapport import leads FILE``: check a CSV or vCard file of leads, import it with a progress bar.

The same services as the page and the API (``dataops.lead_import``): rows are
checked first and the errors listed; then each lead is created and routed,
and each owner gets one follow-up to-do. Interrupted? ``--resume ID`` carries
on where it stopped, without creating any lead twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from rapport.common.errors import RapportError
from rapport.core.models import User
from rapport.customers.lead_files import MAX_BYTES
from rapport.dataops import lead_import
from rapport.dataops.models import LeadImport

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import leads from a CSV or vCard file: routed to their reps, each rep gets one follow-up to-do."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["leads"], help="what the file holds (leads)")
        parser.add_argument("file", nargs="?", help="the CSV or vCard (.vcf) file")
        parser.add_argument("--format", choices=["auto", "csv", "vcard"], default="auto", help="file format (default: from the file)")
        parser.add_argument("--source", default="", help="source kept on every lead the file gives none, e.g. 'Expo 2026'")
        parser.add_argument(
            "--campaign", type=int, metavar="ID", help="the campaign the file's people answered: each new lead is a card left at it"
        )
        parser.add_argument("--user", required=True, help="username of the importer: unrouted leads stay with them")
        parser.add_argument("--dry-run", action="store_true", help="only check the file and list the errors")
        parser.add_argument("--resume", type=int, metavar="ID", help="carry on with an interrupted import")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user '{options['user']}'.")
        try:
            job = self._resumed(user, options["resume"]) if options["resume"] else self._checked(user, options)
        except RapportError as exc:
            raise CommandError(self._problem(exc)) from exc
        if job is None:
            return
        quiet = options["verbosity"] == 0
        bar = tqdm(total=job.total_rows, initial=job.processed_rows, unit=" rows", desc="import", disable=quiet, file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            bar.n = done
            bar.refresh()

        try:
            job = lead_import.lead_import_run(lead_import_id=job.pk, progress=progress)
        except KeyboardInterrupt:
            bar.close()
            self.stderr.write(
                f"Interrupted. Every imported row is saved: run `rapport import leads --user {user.username} --resume {job.pk}`."
            )
            raise SystemExit(130) from None
        bar.close()
        self._errors(job.row_errors)
        self.stdout.write(
            self.style.SUCCESS(
                f"Import {job.pk}: {job.created_count} created, {job.duplicate_count} duplicates skipped, {job.error_count} errors."
            )
        )
        for owner in lead_import.lead_import_owners(lead_import=job):
            self.stdout.write(f"  {owner['name']}: {owner['leads']}")

    def _checked(self, user: User, options: dict[str, Any]) -> LeadImport | None:
        if not options["file"]:
            raise CommandError("Give the file to import (or --resume ID).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
        job = lead_import.lead_import_preview(
            actor=user,
            filename=path.name,
            content=path.read_bytes(),
            file_format=options["format"],
            source=options["source"],
            campaign_id=options["campaign"],
            via="cli",
        )
        preview = job.preview
        for note in job.notes:
            self.stdout.write(self.style.WARNING(note))
        self._errors(preview["row_errors"])
        self.stdout.write(
            f"{job.total_rows} rows: {preview['would_create']} new, {preview['duplicates']} duplicates, {preview['errors']} with errors."
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was imported.")
            return None
        return lead_import.lead_import_confirm(actor=user, lead_import=job, via="cli", enqueue=False)

    def _resumed(self, user: User, import_id: int) -> LeadImport:
        job = lead_import.lead_import_get_for_user(user=user, import_id=import_id)
        if job.status == "previewed":
            job = lead_import.lead_import_confirm(actor=user, lead_import=job, via="cli", enqueue=False)
        return job

    def _errors(self, errors: list[dict[str, Any]]) -> None:
        for entry in errors[:SHOWN_ERRORS]:
            column = f", {entry['column']}" if entry["column"] else ""
            self.stdout.write(self.style.ERROR(f"row {entry['row']}{column}: {entry['message']}"))
        if len(errors) > SHOWN_ERRORS:
            self.stdout.write(f"... and {len(errors) - SHOWN_ERRORS} more.")

    @staticmethod
    def _problem(exc: RapportError) -> str:
        if exc.field_errors:
            return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.field_errors.items())
        return exc.message
