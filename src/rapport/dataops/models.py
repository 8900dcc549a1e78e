"""Bookkeeping of data operations: how far a demo load got, lead imports and what became of each row."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel


class DemoLoadPhase(models.Model):
    """One phase of ``rapport demo`` (accounts, contacts...) and the batches it has committed.

    A batch's rows and the bump of ``batches_done`` commit in one transaction,
    so an interrupted load resumes at the first batch that is not in the
    database. The row named ``plan`` holds the options of the load.
    """

    phase = models.CharField(max_length=20, unique=True)
    batches_done = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Id of the phase's first row: the phase's rows are the ids from here on, in the order they were generated.
    first_id = models.BigIntegerField(null=True, blank=True)
    finished = models.BooleanField(default=False)
    plan = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.phase}: {self.rows_done} rows{' (finished)' if self.finished else ''}"


class LeadImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LeadImport(TimeStampedModel):
    """One file of leads: its dry run, then its import by the worker, then its summary.

    The file's bytes are kept only until the import is done (the worker reads
    them, possibly in another process); they are never served back.
    """

    created_by = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("imported by"))
    filename = models.CharField(_("file"), max_length=200)
    file_format = models.CharField(_("format"), max_length=10)
    source = models.CharField(_("source"), max_length=80, blank=True)
    # The campaign the file's people answered (the exhibition's cards): each lead becomes one of its responses.
    campaign = models.ForeignKey(
        "marketing.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("campaign")
    )
    content = models.BinaryField(default=b"", editable=False)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=LeadImportStatus.choices, default=LeadImportStatus.PREVIEWED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The dry run's verdict: what would be created, skipped and refused.
    preview = models.JSONField(default=dict, blank=True)
    # [{row, column, message}], the first MAX_ERRORS of them (dry run, then the import's own).
    row_errors = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    follow_ups_done = models.BooleanField(default=False)
    failure = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="lead_import_user_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(processed_rows__lte=models.F("total_rows")), name="lead_import_progress_bounded"),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def format_label(self) -> str:
        return "vCard" if self.file_format == "vcard" else "CSV"

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else min(100, self.processed_rows * 100 // self.total_rows)


class LeadImportOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    DUPLICATE = "duplicate", _("Duplicate skipped")
    ERROR = "error", _("Error")


class LeadImportRow(models.Model):
    """What became of one row: written in the same transaction as its lead, so a resumed import skips it."""

    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=LeadImportOutcome.choices)
    lead = models.ForeignKey("customers.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Hours until the follow-up to-do is due; null when the lead's owner gets none for it.
    follow_up_hours = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["lead_import", "row"]
        constraints = [models.UniqueConstraint(fields=["lead_import", "row"], name="lead_import_row_once")]

    def __str__(self) -> str:
        return f"{self.lead_import_id}:{self.row} {self.outcome}"


class InboundMailOutcome(models.TextChoices):
    FILED = "filed", _("Filed on the timeline")
    SKIPPED = "skipped", _("Skipped")


class InboundMailSkip(models.TextChoices):
    """Why a message was not filed, as a code the skipped-mail page filters by."""

    AUTO_REPLY = "auto_reply", _("Auto-reply")
    MAILING_LIST = "mailing_list", _("Mailing list or bulk mail")
    BOUNCE = "bounce", _("Bounce or delivery report")
    MACHINE = "machine", _("Sent by a machine (no-reply)")
    NO_SENDER = "no_sender", _("No valid sender")
    TOO_LARGE = "too_large", _("Too large")
    UNPARSEABLE = "unparseable", _("Could not be read")


class InboundMail(models.Model):
    """One inbound email, by its Message-ID: the key that makes filing it twice a no-op.

    Written in the same transaction as its interaction (and the lead a new
    sender became), so an import or an SMTP delivery interrupted half-way
    files each message once when it is run again.
    """

    message_id = models.CharField(max_length=255, unique=True)
    # The root of the conversation it belongs to (the first References id, else In-Reply-To, else itself).
    thread_id = models.CharField(max_length=255, db_index=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255)
    received_at = models.DateTimeField(auto_now_add=True)
    received_via = models.CharField(max_length=10)  # file, smtp, api
    received_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=10, choices=InboundMailOutcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    skip_reason = models.CharField(max_length=20, choices=InboundMailSkip.choices, blank=True)
    # The message as received while it is skipped and readable, so an administrator can still file it
    # (bounded by RAPPORT_MAX_MAIL_BYTES); dropped once it is filed.
    raw = models.BinaryField(null=True, blank=True, editable=False)
    interaction = models.ForeignKey("customers.Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_lead = models.ForeignKey("customers.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # [{filename, kind, size, kept, reason}]: what came attached and what became of it.
    attachments = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # The skipped-mail page: newest first, all of them or one reason (keyset on received_at, id).
            models.Index(fields=["-received_at", "-id"], condition=models.Q(outcome="skipped"), name="inbound_mail_skipped"),
            models.Index(
                fields=["skip_reason", "-received_at", "-id"], condition=models.Q(outcome="skipped"), name="inbound_mail_skipped_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.message_id
