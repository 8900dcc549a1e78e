"""The HTML forms of accounts, contacts and leads.

A form only renders fields and collects what was typed: the service checks it.
When the service refuses, its ``field_errors`` come back onto the fields they
name, including one row of emails or phones (``emails[1]``) and custom fields
(``custom.<key>``), and nothing the user typed is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import Role, User
from rapport.customers.models import (
    CONTACT_CHANNELS,
    Account,
    AccountKind,
    Channel,
    Contact,
    CustomFieldDefinition,
    CustomFieldType,
    Direction,
    Lead,
    LeadStatus,
)
from rapport.web.service_errors import translate_error

MODELS: dict[str, type[Account | Contact | Lead]] = {"account": Account, "contact": Contact, "lead": Lead}
POINT_KINDS = ("emails", "phones")
LABEL_SUGGESTIONS = (_("work"), _("mobile"), _("home"), _("other"))
_ROW_ERROR = re.compile(r"(emails|phones)\[(\d+)\]")


@dataclass
class PointRow:
    value: str = ""
    label: str = ""
    errors: list[str] = field(default_factory=list)


def _rows_from_post(data: QueryDict, name: str) -> list[PointRow]:
    values, labels = data.getlist(f"{name}-value"), data.getlist(f"{name}-label")
    rows = [PointRow(v.strip(), (labels[i] if i < len(labels) else "").strip()) for i, v in enumerate(values)]
    # Blank rows are the empty line the page always offers: not an entry.
    return [row for row in rows if row.value][:20]


def _rows_from_record(record: Any, kind: str) -> list[PointRow]:
    return [PointRow(p.value, p.label) for p in record.contact_points.all() if p.kind == kind]


def _label(model: type[Any], name: str) -> Any:
    return capfirst(model._meta.get_field(name).verbose_name)


def _text(model: type[Any], name: str, *, widget: forms.Widget | None = None) -> forms.CharField:
    return forms.CharField(label=_label(model, name), required=False, strip=False, widget=widget or forms.TextInput())


def _custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    if definition.field_type == CustomFieldType.CHOICE:
        choices = [("", "—"), *((str(c), str(c)) for c in definition.choices)]
        return forms.ChoiceField(label=definition.label, required=False, choices=choices)
    widget: forms.Widget = forms.TextInput()
    if definition.field_type == CustomFieldType.NUMBER:
        widget = forms.TextInput(attrs={"inputmode": "decimal"})
    elif definition.field_type == CustomFieldType.DATE:
        widget = forms.DateInput(attrs={"type": "date"})
    return forms.CharField(label=definition.label, required=False, widget=widget)


class RecordForm(forms.Form):
    """One form class for the three record types; ``kind`` decides the fields."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput())
    opened_at = forms.CharField(required=False, widget=forms.HiddenInput())
    # How web/components/form_sections.html lays out these fields: rows of phones/emails, account search pickers.
    point_fields = ("emails", "phones")
    account_pickers = ("parent_id", "account_id")

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        kind: str,
        actor: User,
        custom_fields: list[CustomFieldDefinition],
        record: Any | None = None,
        opened_at: str = "",
    ):
        self.kind = kind
        self.model = MODELS[kind]
        self.record = record
        self.custom_fields = custom_fields
        self.may_assign = actor.is_administrator or actor.role == Role.SALES_MANAGER
        initial = self._initial(record, opened_at) if record is not None else {"opened_at": opened_at}
        super().__init__(data, initial=initial)
        self._add_fields(actor)
        self.rows = {name: _rows_from_post(data, name) if data is not None else [] for name in POINT_KINDS}
        if data is None and record is not None:
            self.rows = {"emails": _rows_from_record(record, "email"), "phones": _rows_from_record(record, "phone")}
        self.picker_labels = self._picker_labels(data, record)

    # -- building -----------------------------------------------------------------

    def _add_fields(self, actor: User) -> None:
        m = self.model
        f = self.fields
        if self.kind == "account":
            f["name"] = _text(m, "name")
            f["name"].widget.attrs["autofocus"] = True
            f["kind"] = forms.ChoiceField(label=_label(m, "kind"), choices=AccountKind.choices, initial=AccountKind.COMPANY)
            f["parent_id"] = forms.CharField(label=_label(m, "parent"), required=False, widget=forms.HiddenInput())
            f["website"] = _text(m, "website", widget=forms.URLInput())
            f["employees"] = _text(m, "employees", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
        else:
            f["last_name"] = _text(m, "last_name")
            f["first_name"] = _text(m, "first_name")
            f["full_name"] = _text(m, "full_name")
            f["full_name"].label = _("Shown as")
            f["full_name"].help_text = _("Leave empty to build it from the names (张伟, Wei Zhang).")
            f["title"] = _text(m, "title")
            for flag in ("consent_email", "consent_phone", "consent_letter"):
                f[flag] = forms.BooleanField(label=_label(m, flag), required=False)
            first_name = "last_name" if (get_language() or "").startswith("zh") else "first_name"
            f[first_name].widget.attrs["autofocus"] = True
        if self.kind == "contact":
            f["account_id"] = forms.CharField(label=_label(m, "account"), required=False, widget=forms.HiddenInput())
            f["department"] = _text(m, "department")
            f["birthday"] = _text(m, "birthday", widget=forms.DateInput(attrs={"type": "date"}))
        if self.kind == "lead":
            f["company"] = _text(m, "company")
            f["status"] = forms.ChoiceField(label=_label(m, "status"), choices=LeadStatus.choices, initial=LeadStatus.NEW)
            f["source"] = _text(m, "source")
            f["source"].help_text = Lead._meta.get_field("source").help_text
            f["company_size"] = _text(m, "company_size", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
        f["industry"] = _text(m, "industry")
        f["address_line"] = _text(m, "address_line")
        f["city"] = _text(m, "city")
        f["postal_code"] = _text(m, "postal_code")
        f["region"] = _text(m, "region")
        f["country"] = _text(m, "country", widget=forms.TextInput(attrs={"maxlength": 2, "size": 3, "autocapitalize": "characters"}))
        f["country"].help_text = m._meta.get_field("country").help_text
        f["tags"] = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."))
        f["notes"] = _text(m, "notes", widget=forms.Textarea(attrs={"rows": 3}))
        f["shared_with_team"] = forms.BooleanField(label=_label(m, "shared_with_team"), required=False)
        f["shared_with_team"].help_text = _("Everyone in the team may see and edit it.")
        for definition in self.custom_fields:
            f[f"cf_{definition.key}"] = _custom_form_field(definition)
        if self.may_assign:
            owners = core_selectors.user_list_for_user(user=actor)
            allowed = core_selectors.assignable_owner_ids(user=actor)
            if allowed is not None:
                owners = owners.filter(pk__in=allowed)
            f["owner_id"] = forms.ChoiceField(
                label=_label(m, "owner"), required=False, choices=[("", _("Me"))] + [(str(u.pk), str(u)) for u in owners]
            )
            teams = [("", _("Owner's team"))] + [(str(t.pk), t.name) for t in core_selectors.team_list()]
            f["team_id"] = forms.ChoiceField(label=_label(m, "team"), required=False, choices=teams)

    def _initial(self, record: Any, opened_at: str) -> dict[str, Any]:
        names = ["name", "kind", "website", "employees", "first_name", "last_name", "full_name", "title", "department"]
        names += ["birthday", "company", "status", "source", "company_size", "industry", "address_line", "city", "postal_code"]
        names += ["region", "country", "notes", "shared_with_team", "consent_email", "consent_phone", "consent_letter"]
        initial: dict[str, Any] = {n: getattr(record, n) for n in names if hasattr(record, n)}
        for name in ("parent_id", "account_id", "owner_id", "team_id"):
            if hasattr(record, name):
                value = getattr(record, name)
                initial[name] = "" if value is None else str(value)
        if self.kind == "contact":
            initial["birthday"] = record.birthday.isoformat() if record.birthday else ""
        initial["tags"] = ", ".join(t.name for t in record.tags.all())
        for key, value in (record.custom or {}).items():
            initial[f"cf_{key}"] = value
        initial["version"] = record.version
        initial["opened_at"] = opened_at
        return initial

    def _picker_labels(self, data: QueryDict | None, record: Any | None) -> dict[str, str]:
        names = [n for n in self.account_pickers if n in self.fields]
        if data is not None:
            return {n: data.get(f"{n}_label", "") for n in names}
        labels: dict[str, str] = {}
        if record is not None and "parent_id" in names and record.parent_id:
            labels["parent_id"] = record.parent.name
        if record is not None and "account_id" in names and record.account_id:
            labels["account_id"] = record.account.name
        return labels

    # -- layout -------------------------------------------------------------------

    def sections(self) -> list[tuple[Any, list[str]]]:
        custom = [f"cf_{d.key}" for d in self.custom_fields]
        names_first = ["last_name", "first_name"] if (get_language() or "").startswith("zh") else ["first_name", "last_name"]
        if self.kind == "account":
            main = (_("Company"), ["name", "kind", "parent_id", "industry", "website", "employees"])
        elif self.kind == "contact":
            main = (_("Person"), [*names_first, "full_name", "title", "department", "account_id", "birthday", "industry"])
        else:
            main = (_("Person"), [*names_first, "full_name", "company", "title", "status", "source", "company_size", "industry"])
        result = [main, (_("Phones and emails"), ["phones", "emails"])]
        if self.kind != "account":
            result.append((_("Consent to be contacted"), ["consent_email", "consent_phone", "consent_letter"]))
        result.append((_("Address"), ["address_line", "city", "postal_code", "region", "country"]))
        result.append((_("More"), ["tags", *custom, "notes", "shared_with_team"]))
        if self.may_assign:
            result.append((_("Owner and team"), ["owner_id", "team_id"]))
        return result

    # -- to the service and back -------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """What the user typed, as the service's ``data``."""
        skip = {"version", "opened_at", "owner_id", "team_id"}
        data: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name in skip:
                continue
            if name.startswith("cf_"):
                custom[name[3:]] = value
            elif isinstance(value, str):
                data[name] = value.strip()
            else:
                data[name] = value
        if self.custom_fields:
            data["custom"] = custom
        for name in POINT_KINDS:
            data[name] = [{"value": row.value, "label": row.label} for row in self.rows[name]]
        if self.may_assign and self.cleaned_data.get("owner_id"):
            data["owner_id"] = self.cleaned_data["owner_id"]
        if self.may_assign and self.cleaned_data.get("team_id"):
            data["team_id"] = self.cleaned_data["team_id"]
        return data

    def apply_errors(self, exc: ValidationFailed) -> None:
        """Put each of the service's field errors next to the field it names."""
        for name, messages in exc.field_errors.items():
            translated = [translate_error(m, field=name) for m in messages]
            row = _ROW_ERROR.fullmatch(name)
            target = f"cf_{name[7:]}" if name.startswith("custom.") else name
            if row and int(row.group(2)) < len(self.rows[row.group(1)]):
                self.rows[row.group(1)][int(row.group(2))].errors.extend(translated)
            elif name in POINT_KINDS:
                if not self.rows[name]:
                    self.rows[name].append(PointRow())
                self.rows[name][0].errors.extend(translated)
            elif target in self.fields:
                for message in translated:
                    self.add_error(target, message)
            else:
                for message in translated:
                    self.add_error(None, f"{name}: {message}")

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(1 for rows in self.rows.values() for row in rows if row.errors)


class InteractionForm(forms.Form):
    """Log a call, email or meeting on a customer's timeline."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(v, label) for v, label in Channel.choices if v in CONTACT_CHANNELS], initial=Channel.PHONE
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND)
    subject = forms.CharField(label=_("Subject"), required=False)
    body = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def apply_errors(self, exc: ValidationFailed) -> None:
        for name, messages in exc.field_errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, translate_error(message, field=name))
