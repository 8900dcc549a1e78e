"""Users, teams, roles, API tokens, the audit log and currencies."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SALES_REP = "sales_rep", _("Sales rep")
    MARKETER = "marketer", _("Marketer")
    SERVICE_AGENT = "service_agent", _("Service agent")
    ANALYST = "analyst", _("Analyst")


class Team(TimeStampedModel):
    """A sales, service or marketing team; teams nest (region > district)."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("code"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent team")
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALES_REP)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name=_("team"))
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports", verbose_name=_("manager"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Bumped on "log out everywhere", password change, role downgrade and deactivation: API tokens and
    # sessions issued before are no longer honoured (tokens compare it, sessions hash it).
    credentials_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session check, over the password hash and the credentials epoch.

        Django already ends other sessions when the password hash changes; with the
        epoch in the hash, bumping it (``user_revoke_credentials``) ends every session too.
        """
        return salted_hmac(
            "rapport.core.User.session_auth_hash", f"{self.password}:{self.credentials_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiToken(TimeStampedModel):
    """A bearer token for the API. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="API token")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=12, choices=TokenScope.choices, default=TokenScope.READ_WRITE)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    credentials_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class AuditEntry(models.Model):
    """Who changed which record, when, and each field's value before and after."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    record_type = models.CharField(max_length=60)
    record_id = models.BigIntegerField()
    record_repr = models.CharField(max_length=255, blank=True)
    # {"field": [before, after]}; for a create, before is null.
    changes = models.JSONField(default=dict, blank=True)
    via = models.CharField(max_length=20, blank=True, help_text="web, api, cli, import, task")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["record_type", "record_id", "-at"], name="audit_record_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.record_type}#{self.record_id}"


class ExchangeRate(models.Model):
    """How many units of the base currency one unit of ``currency`` buys from ``valid_from`` on."""

    currency = models.CharField(_("currency"), max_length=3)
    rate_to_base = models.DecimalField(_("rate to base currency"), max_digits=18, decimal_places=8)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="exchange_rate_unique_day"),
            models.CheckConstraint(condition=models.Q(rate_to_base__gt=Decimal(0)), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate_to_base} base from {self.valid_from}"


# Background work (core.jobs): the worker's liveness, the scheduler's slots,
# retries granted by administrators, idempotency keys and the outbound email log.


class WorkerHeartbeat(models.Model):
    """One row per running ``rapport worker``; a row not refreshed for a while is a lost worker."""

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    # Boot id and PID namespace: workers that share it can ask the kernel whether a pid is alive.
    process_space = models.CharField(max_length=100, blank=True)
    queues = models.CharField(_("queues"), max_length=255)
    started_at = models.DateTimeField(_("started at"))
    last_seen_at = models.DateTimeField(_("last seen at"), db_index=True)

    class Meta:
        ordering = ["hostname", "pid", "id"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}, pid {self.pid})"


class ScheduleSlot(models.Model):
    """A periodic job's slot, claimed by the one worker whose insert won the unique constraint."""

    job = models.CharField(_("job"), max_length=100)
    slot = models.DateTimeField(_("slot"))
    claimed_by = models.CharField(_("claimed by"), max_length=64)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    task_result = models.ForeignKey(
        "django_tasks_database.DBTaskResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-slot", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="schedule_slot_once")]
        verbose_name = _("schedule slot")
        verbose_name_plural = _("schedule slots")

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M:%S}"


class TaskRetry(models.Model):
    """An administrator sent a failed task back to the queue; it gets a fresh round of attempts."""

    task_result = models.ForeignKey("django_tasks_database.DBTaskResult", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150)
    via = models.CharField(max_length=20, help_text="admin, cli")
    # len(worker_ids) when retried: attempts in the new round are counted from here.
    attempts_before = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("task retry")
        verbose_name_plural = _("task retries")

    def __str__(self) -> str:
        return f"{self.actor_name} retried {self.task_result_id} at {self.at:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """Work that is done: its key commits in the same transaction as the work (see core.jobs.idempotency)."""

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.key


class OutboundEmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(TimeStampedModel):
    """A message Rapport sends over SMTP; the row makes the sending task safe to repeat."""

    from_email = models.CharField(_("from"), max_length=320)
    to = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    # Fixed when queued, so a message that a retry sends twice can be recognised by the receiver.
    message_id = models.CharField(_("message id"), max_length=255, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=OutboundEmailStatus.choices, default=OutboundEmailStatus.QUEUED)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound email")

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class OutboundEmailAttachment(models.Model):
    """A file sent with a queued message (a quote's PDF), stored with it so the sending task can repeat."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    content = models.BinaryField(_("content"))

    class Meta:
        ordering = ["email_id", "id"]

    def __str__(self) -> str:
        return self.filename
