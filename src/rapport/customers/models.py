"""Accounts, contacts, leads, their emails and phones, consent, custom fields
and the interaction timeline."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel, VersionedModel


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerRecord(VersionedModel):
    """Fields every account, contact and lead has: owner, team, place, tags."""

    owner = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team"))
    shared_with_team = models.BooleanField(_("shared with team"), default=False)
    industry = models.CharField(_("industry"), max_length=80, blank=True, db_index=True)
    region = models.CharField(_("region / province"), max_length=80, blank=True, db_index=True)
    country = models.CharField(_("country"), max_length=2, blank=True, db_index=True, help_text=_("ISO 3166 code, e.g. CN"))
    address_line = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        abstract = True


class AccountKind(models.TextChoices):
    COMPANY = "company", _("Company")
    HOUSEHOLD = "household", _("Household")


class Account(CustomerRecord):
    """A company or a household; ``parent`` groups subsidiaries under a corporate group."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices, default=AccountKind.COMPANY)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subsidiaries", verbose_name=_("parent account")
    )
    website = models.CharField(_("website"), max_length=200, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="accounts", verbose_name=_("tags"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["name", "id"], name="account_name_idx"),
            models.Index(fields=["owner", "name"], name="account_owner_idx"),
            models.Index(fields=["team", "name"], name="account_team_idx"),
            models.Index(fields=["region", "name", "id"], name="account_region_idx"),
            models.Index(fields=["industry", "name", "id"], name="account_industry_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Person(CustomerRecord):
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    # Shown and sorted on: "Wei Zhang" or, for Chinese names, "张伟" (family name first, no space).
    full_name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    consent_email = models.BooleanField(_("may email"), default=False)
    consent_phone = models.BooleanField(_("may phone"), default=False)
    consent_letter = models.BooleanField(_("may send letters"), default=False)

    class Meta:
        abstract = True


class Contact(Person):
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts", verbose_name=_("account")
    )
    department = models.CharField(_("department"), max_length=120, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts", verbose_name=_("tags"))

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["full_name", "id"], name="contact_name_idx"),
            models.Index(fields=["owner", "full_name"], name="contact_owner_idx"),
            models.Index(fields=["team", "full_name"], name="contact_team_idx"),
            models.Index(fields=["-created_at", "-id"], name="contact_created_idx"),
            # The list's common filters, each ending in the default sort so a
            # filtered first page is an index walk that stops after one page.
            models.Index(fields=["region", "full_name", "id"], name="contact_region_idx"),
            models.Index(fields=["industry", "full_name", "id"], name="contact_industry_idx"),
            models.Index(fields=["account", "full_name"], name="contact_account_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")
    CONVERTED = "converted", _("Converted")


class Lead(Person):
    """Someone who may become a customer: not yet qualified."""

    company = models.CharField(_("company"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=80, blank=True, db_index=True, help_text=_("trade show, web form, referral..."))
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW, db_index=True)
    company_size = models.PositiveIntegerField(_("company size"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="leads", verbose_name=_("tags"))
    # The assignment rule that gave the lead its owner; blank when none matched.
    routed_by = models.CharField(_("routed by"), max_length=120, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("converted to account")
    )
    converted_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("converted to contact")
    )
    # A higher layer's record ("sales.opportunity:12"): customers keeps no key to sales.
    converted_opportunity = models.CharField(_("converted to opportunity"), max_length=80, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["full_name", "id"], name="lead_name_idx"),
            models.Index(fields=["owner", "status"], name="lead_owner_idx"),
            models.Index(fields=["team", "status"], name="lead_team_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.company})" if self.company else self.full_name


class ContactPointKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class ContactPoint(TimeStampedModel):
    """One email address or phone number of an account, contact or lead.

    ``value`` is what the user typed; ``normalised`` is E.164 for phones and the
    validated address for emails: the key that lookups and screen pop use.
    """

    kind = models.CharField(_("kind"), max_length=5, choices=ContactPointKind.choices)
    label = models.CharField(_("label"), max_length=20, blank=True, help_text=_("work, mobile, home..."))
    value = models.CharField(_("as typed"), max_length=254)
    normalised = models.CharField(max_length=254)
    is_primary = models.BooleanField(_("primary"), default=False)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points")
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points")

    class Meta:
        ordering = ["-is_primary", "id"]
        indexes = [
            models.Index(fields=["kind", "normalised"], name="contact_point_lookup_idx"),
            # Inbound mail finds its sender whatever the case of the local part (ZHANG@ is zhang@).
            models.Index(Lower("normalised"), name="contact_point_email_ci_idx", condition=models.Q(kind="email")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(account__isnull=False, contact__isnull=True, lead__isnull=True)
                    | models.Q(account__isnull=True, contact__isnull=False, lead__isnull=True)
                    | models.Q(account__isnull=True, contact__isnull=True, lead__isnull=False)
                ),
                name="contact_point_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.value


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")


class ConsentRecord(models.Model):
    """When and how a person gave or withdrew consent to be contacted on a channel."""

    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="consent_history")
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="consent_history")
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    method = models.CharField(_("how"), max_length=120, blank=True, help_text=_("web form, signed paper, phone call..."))
    recorded_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} {'granted' if self.granted else 'withdrawn'} {self.at:%Y-%m-%d}"


class CustomFieldEntity(models.TextChoices):
    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")
    LEAD = "lead", _("Lead")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomFieldDefinition(TimeStampedModel):
    """A field an administrator adds to accounts, contacts or leads."""

    entity = models.CharField(_("record type"), max_length=10, choices=CustomFieldEntity.choices)
    key = models.SlugField(_("key"), max_length=50, help_text=_("used in the API and filters: cf_<key>"))
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["entity", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="custom_field_unique_key")]

    def __str__(self) -> str:
        return f"{self.entity}.{self.key}"


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web")
    PORTAL = "portal", _("Portal")
    FACE_TO_FACE = "face_to_face", _("Face to face")
    LETTER = "letter", _("Letter")
    FAX = "fax", _("Fax")
    CHAT = "chat", _("Chat")
    # What Rapport notes itself (a contract renewed overnight): on the timeline for the record's
    # history, but not a contact with the customer, so contact counts and churn features leave it out.
    SYSTEM = "system", _("Automatic")


# The channels people log a contact with the customer over.
CONTACT_CHANNELS: tuple[str, ...] = tuple(c.value for c in Channel if c != Channel.SYSTEM)


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Interaction(VersionedModel):
    """One contact with a customer over any channel: the 360 timeline is these, newest first."""

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.INBOUND)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("details"), blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("handled by"))
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("account")
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("contact")
    )
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("lead"))
    # Any other record it concerns (an opportunity, a case...), as "app.model:id".
    concerns = models.CharField(_("concerns"), max_length=80, blank=True, db_index=True)
    # An email's Message-ID (without angle brackets), sent or received: a reply names it in In-Reply-To.
    # The database default keeps bulk loads that name their columns (the demo data) working unchanged.
    message_id = models.CharField(_("message id"), max_length=255, blank=True, default="", db_default="")
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies", verbose_name=_("reply to")
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["account", "-occurred_at"], name="interaction_account_idx"),
            models.Index(fields=["contact", "-occurred_at"], name="interaction_contact_idx"),
            models.Index(fields=["lead", "-occurred_at"], name="interaction_lead_idx"),
            # The timeline page, newest first over everything a user may see: without it PostgreSQL sorted
            # every interaction for each page (1.4 s at 2,200,000).
            models.Index(fields=["-occurred_at", "-id"], name="interaction_newest_idx"),
            # Most interactions are not email: only those with a Message-ID are indexed.
            models.Index(fields=["message_id"], condition=~models.Q(message_id=""), name="interaction_message_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(contact__isnull=False) | models.Q(lead__isnull=False),
                name="interaction_has_customer",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class SearchTerm(models.Model):
    """One lower-cased word or name a customer record is found by (see ``customers.search``).

    It carries its record's owner, team and shared flag, the fields visibility
    is decided on (``core.policies``), so that a rep's search walks only the
    terms they may see instead of probing every match's record. Whatever
    changes them on a record calls ``search.index_record`` or
    ``search.index_visibility`` in the same transaction.
    """

    record_type = models.CharField(max_length=8)
    record_id = models.BigIntegerField()
    term = models.CharField(max_length=100)
    # Plain ids like ``record_id``: the terms follow their record, not the user or team rows.
    owner_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    shared_with_team = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # The operator class lets PostgreSQL serve LIKE 'x%' from the index
            # whatever the database collation; other databases ignore it. The
            # record id makes the index cover a search's candidates: the rows of
            # a common prefix are scattered over the table (14,000 pages read
            # for 'smit%' at 1,000,000 contacts without it).
            models.Index(
                fields=["record_type", "term", "record_id"],
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
                name="search_term_covering_idx",
            ),
            models.Index(fields=["record_type", "record_id"], name="search_term_record_idx"),
            # A rep's or manager's search: one walk per part of what they may
            # see (``policies.ownership_parts``), each a range of its owner's or
            # team's terms in term order. The shared flag rides in the team
            # index so the walk checks it without reading the row.
            models.Index(
                fields=["record_type", "owner_id", "term", "record_id"],
                opclasses=["varchar_pattern_ops", "int8_ops", "varchar_pattern_ops", "int8_ops"],
                name="search_term_owner_idx",
            ),
            models.Index(
                fields=["record_type", "team_id", "term", "record_id", "shared_with_team"],
                opclasses=["varchar_pattern_ops", "int8_ops", "varchar_pattern_ops", "int8_ops", "bool_ops"],
                name="search_term_team_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.term


class ActivityKind(models.TextChoices):
    TASK = "task", _("To-do")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ActivityPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Activity(VersionedModel):
    """A to-do, call or meeting someone must do, optionally about a customer or another record.

    Visibility follows the owner like a customer record (see ``customers.activity_selectors``);
    attendees and the person who handed the work over see it too.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=ActivityKind.choices, default=ActivityKind.TASK)
    subject = models.CharField(_("subject"), max_length=255)
    details = models.TextField(_("details"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.OPEN)
    priority = models.CharField(_("priority"), max_length=8, choices=ActivityPriority.choices, default=ActivityPriority.NORMAL)
    due_at = models.DateTimeField(_("due"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)
    reminder_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    # Set in the transaction that queues the reminder email: the reminder fires once.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The owner closed the browser reminder; a later reminder_at (snooze) shows it again.
    reminder_dismissed_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team"))
    shared_with_team = models.BooleanField(_("shared with team"), default=False)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    attendees = models.ManyToManyField("core.User", blank=True, related_name="+", verbose_name=_("attendees"))
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="activities", verbose_name=_("account")
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="activities", verbose_name=_("contact")
    )
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="activities", verbose_name=_("lead"))
    # Any other record it is about (an opportunity, a contract...), as "app.model:id".
    concerns = models.CharField(_("concerns"), max_length=80, blank=True, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="activity_owner_due_idx"),
            models.Index(fields=["due_at", "id"], name="activity_due_idx"),
            models.Index(
                fields=["reminder_at"],
                condition=models.Q(reminded_at__isnull=True, status="open"),
                name="activity_reminder_due_idx",
            ),
            models.Index(fields=["account", "status", "due_at"], name="activity_account_idx"),
            models.Index(fields=["contact", "status", "due_at"], name="activity_contact_idx"),
            models.Index(fields=["lead", "status", "due_at"], name="activity_lead_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gte=models.F("due_at")), name="activity_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class CalendarFeed(TimeStampedModel):
    """A user's private calendar subscription link. Only the SHA-256 of its secret is stored."""

    user = models.OneToOneField("core.User", on_delete=models.CASCADE, related_name="calendar_feed")
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"


class ChurnBand(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class CreditGrade(models.TextChoices):
    A = "A", _("A: pays on time")
    B = "B", _("B: mostly on time")
    C = "C", _("C: often late")
    D = "D", _("D: late payer")
    E = "E", _("E: high credit risk")


class CustomerProfile(TimeStampedModel):
    """Scores and tiers that higher layers push down onto an account (analytics writes RFM, CLV, VIP).

    Written only through ``customers.profiles.customer_profiles_write``; one row per account.
    """

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="profile", verbose_name=_("account"))
    rfm_recency = models.PositiveSmallIntegerField(_("recency score"), null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(_("frequency score"), null=True, blank=True)
    rfm_monetary = models.PositiveSmallIntegerField(_("monetary score"), null=True, blank=True)
    rfm_segment = models.CharField(_("RFM segment"), max_length=30, blank=True, db_index=True)
    monetary_value = models.DecimalField(_("purchases (base currency)"), max_digits=18, decimal_places=2, null=True, blank=True)
    clv = models.DecimalField(_("customer lifetime value"), max_digits=18, decimal_places=2, null=True, blank=True)
    churn_risk = models.FloatField(_("churn risk"), null=True, blank=True)
    churn_band = models.CharField(_("churn risk band"), max_length=6, choices=ChurnBand.choices, blank=True, db_index=True)
    value_decile = models.PositiveSmallIntegerField(_("value decile"), null=True, blank=True, help_text=_("10 is the top tenth"))
    is_vip = models.BooleanField(_("VIP"), default=False, db_index=True)
    segment_cluster = models.PositiveSmallIntegerField(_("cluster"), null=True, blank=True, db_index=True)
    segment_cluster_name = models.CharField(_("cluster profile"), max_length=40, blank=True)
    # Credit behaviour (analytics/credit.py): the score's inputs are kept beside it so the card can explain it.
    credit_score = models.PositiveSmallIntegerField(_("credit score"), null=True, blank=True, help_text=_("0 (worst) to 100 (best)"))
    credit_grade = models.CharField(_("credit grade"), max_length=1, choices=CreditGrade.choices, blank=True, db_index=True)
    credit_scored_on = models.DateField(_("credit measured on"), null=True, blank=True)
    credit_since = models.DateField(_("invoiced since"), null=True, blank=True)
    invoices_due = models.PositiveIntegerField(_("invoices come due"), null=True, blank=True)
    days_to_pay_median = models.DecimalField(_("median days to pay"), max_digits=7, decimal_places=1, null=True, blank=True)
    days_to_pay_p90 = models.DecimalField(_("days to pay, 90th percentile"), max_digits=7, decimal_places=1, null=True, blank=True)
    payment_delay_avg = models.DecimalField(_("average delay past due (days)"), max_digits=7, decimal_places=1, null=True, blank=True)
    payment_delay_max = models.PositiveIntegerField(_("longest delay past due (days)"), null=True, blank=True)
    late_share = models.FloatField(_("share paid late"), null=True, blank=True)
    outstanding_base = models.DecimalField(_("outstanding (base currency)"), max_digits=18, decimal_places=2, null=True, blank=True)
    overdue_base = models.DecimalField(_("overdue (base currency)"), max_digits=18, decimal_places=2, null=True, blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        ordering = ["account_id"]
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_decile__isnull=True) | models.Q(value_decile__gte=1, value_decile__lte=10),
                name="profile_decile_range",
            ),
            models.CheckConstraint(
                condition=models.Q(churn_risk__isnull=True) | models.Q(churn_risk__gte=0, churn_risk__lte=1),
                name="profile_churn_risk_range",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_score__isnull=True) | models.Q(credit_score__lte=100), name="profile_credit_score_range"
            ),
            models.CheckConstraint(
                condition=models.Q(late_share__isnull=True) | models.Q(late_share__gte=0, late_share__lte=1),
                name="profile_late_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"profile of account {self.account_id}"


from rapport.customers.attachment_models import InteractionAttachment  # noqa: E402, F401
