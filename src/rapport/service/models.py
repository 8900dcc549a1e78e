"""Cases: a customer's question, problem or complaint, from the moment it is raised to its answer.

A case belongs to an account (and the contact who raised it) and follows the account data's visibility
rules through its own owner and team. Its priority sets when it is due (the SLA): an urgent case in four
hours, a low one in five days; a case still open past that time has breached it.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel, VersionedModel


class CaseKind(models.TextChoices):
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Problem")
    COMPLAINT = "complaint", _("Complaint")
    REQUEST = "request", _("Request")


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# How long each priority gives to resolve a case (the service-level agreement).
RESOLVE_WITHIN = {
    CasePriority.URGENT: dt.timedelta(hours=4),
    CasePriority.HIGH: dt.timedelta(days=1),
    CasePriority.NORMAL: dt.timedelta(days=3),
    CasePriority.LOW: dt.timedelta(days=5),
}
OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.WAITING)


class Case(VersionedModel):
    number = models.CharField(_("number"), max_length=32, unique=True, null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices, default=CaseKind.QUESTION)
    priority = models.CharField(_("priority"), max_length=6, choices=CasePriority.choices, default=CasePriority.NORMAL)
    status = models.CharField(_("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    channel = models.CharField(_("came in by"), max_length=20, default="phone", help_text=_("phone, email, web, portal..."))
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="cases", verbose_name=_("account"))
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", verbose_name=_("contact")
    )
    product = models.ForeignKey(
        "sales.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    owner = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team"))
    shared_with_team = models.BooleanField(_("shared with team"), default=False)
    due_at = models.DateTimeField(_("due"))
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "due_at", "id"], name="case_queue_idx"),
            models.Index(fields=["owner", "status", "due_at"], name="case_owner_idx"),
            models.Index(fields=["team", "status", "due_at"], name="case_team_idx"),
            models.Index(fields=["account", "status"], name="case_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.subject}"

    @property
    def channel_label(self) -> str:
        """How it came in, in the reader's language (the column has no choices: it takes the timeline's channels)."""
        from rapport.customers.models import Channel

        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Past its due time and still open: the SLA is breached."""
        return self.is_open and self.due_at < (now or timezone.now())


class SatisfactionSurvey(TimeStampedModel):
    """How satisfied the customer was with a case's answer (CSAT, 1 to 5), asked once the case is resolved.

    The question goes by email to whoever raised the case, as a link with a secret token (the customer does not
    sign in); an agent may also record the score the customer gave on the phone. One survey per case, answered once.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="survey", verbose_name=_("case"))
    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account"))
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("contact")
    )
    token = models.CharField(max_length=64, unique=True)
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_via = models.CharField(_("answered by"), max_length=12, blank=True, help_text=_("email link, phone..."))
    recorded_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [
            models.Index(fields=["answered_at"], name="survey_answered_idx"),
            models.Index(fields=["account", "answered_at"], name="survey_account_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.score or '-'}"

    @property
    def satisfied(self) -> bool | None:
        """4 or 5 counts as satisfied (the usual CSAT share); None while unanswered."""
        return None if self.score is None else self.score >= 4
