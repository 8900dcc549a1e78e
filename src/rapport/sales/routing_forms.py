"""HTML forms for assignment rules and lead conversion: raw values to the services, their errors inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers.selectors import custom_fields_for
from rapport.sales import selectors
from rapport.sales.assignment import FIELDS, OPERATORS
from rapport.sales.forms import CURRENCIES, DATE, ServiceErrorsMixin, _input
from rapport.sales.models import AssignmentDistribution, AssignmentRule

FIELD_LABELS = {
    "industry": _("Industry"),
    "region": _("Region / province"),
    "country": _("Country"),
    "source": _("Source"),
    "company_size": _("Company size"),
}
OPERATOR_LABELS = {
    "equals": _("is"),
    "in": _("is one of"),
    "startswith": _("starts with"),
    "between": _("is between"),
    "gte": _("is at least"),
    "lte": _("is at most"),
}
BLANK_ROWS = 2
MAX_ROWS = 20


def condition_field_choices() -> list[tuple[str, str]]:
    custom = [(f"custom.{d.key}", str(d.label)) for d in custom_fields_for("lead")]
    return [("", "—"), *((name, str(FIELD_LABELS[name])) for name in FIELDS), *custom]


def operator_choices() -> list[tuple[str, str]]:
    return [(name, str(OPERATOR_LABELS[name])) for name in OPERATORS]


def _value_text(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def condition_rows(*, rule: AssignmentRule | None, post: QueryDict | None, extra: int = 0) -> list[dict[str, str]]:
    """The condition rows the form shows: what was posted (or the rule's), then blank rows to add more."""
    if post is not None:
        count = min(MAX_ROWS, int(post.get("condition_rows") or 0) if (post.get("condition_rows") or "").isdigit() else 0)
        rows = [{k: post.get(f"cond-{i}-{k}", "").strip() for k in ("field", "operator", "value")} for i in range(count)]
    else:
        rows = [
            {"field": c["field"], "operator": c["operator"], "value": _value_text(c["value"])} for c in (rule.conditions if rule else [])
        ]
    rows = [r for r in rows if r["field"]]
    return rows + [{"field": "", "operator": "equals", "value": ""} for _ in range(min(MAX_ROWS - len(rows), BLANK_ROWS + extra))]


def conditions_from(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Rows with a field become conditions; "in" and "between" split their comma-separated value in the service."""
    return [{"field": r["field"], "operator": r["operator"], "value": r["value"]} for r in rows if r["field"]]


class AssignmentRuleForm(ServiceErrorsMixin, forms.Form):
    TARGETS = (("owner", _("One user")), ("team", _("A team")))

    name = forms.CharField(label=_("Name"), max_length=120, widget=_input(forms.TextInput()))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    target = forms.ChoiceField(label=_("Give matching leads to"), choices=TARGETS, widget=forms.RadioSelect)
    owner_id = forms.TypedChoiceField(label=_("User"), coerce=int, required=False, empty_value=None, widget=_input(forms.Select()))
    team_id = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None, widget=_input(forms.Select()))
    distribution = forms.ChoiceField(
        label=_("Spread over the team by"), choices=AssignmentDistribution.choices, widget=_input(forms.Select())
    )
    create_follow_up = forms.BooleanField(label=_("Give the new owner a follow-up to-do"), required=False, initial=True)
    follow_up_hours = forms.IntegerField(
        label=_("Follow-up due in (hours)"), min_value=0, max_value=2160, initial=24, widget=_input(forms.NumberInput())
    )

    def __init__(self, *args: Any, rule: AssignmentRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": rule.name,
                "is_active": rule.is_active,
                "target": "owner" if rule.owner_id else "team",
                "owner_id": rule.owner_id,
                "team_id": rule.team_id,
                "distribution": rule.distribution,
                "create_follow_up": rule.create_follow_up,
                "follow_up_hours": rule.follow_up_hours,
            }
        kwargs.setdefault("initial", {"target": "team", "is_active": True, "create_follow_up": True, "follow_up_hours": 24})
        super().__init__(*args, **kwargs)
        owners = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")[:1000]
        self.fields["owner_id"].choices = [("", "—"), *((u.pk, str(u)) for u in owners)]  # type: ignore[attr-defined]
        self.fields["team_id"].choices = [("", "—"), *((t.pk, t.name) for t in core_selectors.team_list())]  # type: ignore[attr-defined]

    def to_data(self, conditions: list[dict[str, Any]]) -> dict[str, Any]:
        values = self.cleaned_data
        by_owner = values["target"] == "owner"
        return {
            "name": values["name"],
            "is_active": values["is_active"],
            "conditions": conditions,
            "owner_id": values["owner_id"] if by_owner else None,
            "team_id": None if by_owner else values["team_id"],
            "distribution": values["distribution"],
            "create_follow_up": values["create_follow_up"],
            "follow_up_hours": values["follow_up_hours"],
        }


class SampleLeadForm(forms.Form):
    industry = forms.CharField(label=_("Industry"), required=False, max_length=80, widget=_input(forms.TextInput()))
    region = forms.CharField(label=_("Region / province"), required=False, max_length=80, widget=_input(forms.TextInput()))
    country = forms.CharField(label=_("Country"), required=False, max_length=2, widget=_input(forms.TextInput()))
    source = forms.CharField(label=_("Source"), required=False, max_length=80, widget=_input(forms.TextInput()))
    company_size = forms.IntegerField(label=_("Company size"), required=False, min_value=0, widget=_input(forms.NumberInput()))


class LeadConvertForm(ServiceErrorsMixin, forms.Form):
    account_id = forms.IntegerField(label=_("Attach to another account"), required=False, widget=forms.HiddenInput())
    create_opportunity = forms.BooleanField(label=_("Also create an opportunity"), required=False)
    opportunity_name = forms.CharField(label=_("Opportunity name"), required=False, max_length=200, widget=_input(forms.TextInput()))
    amount = forms.DecimalField(
        label=_("Amount"), required=False, max_digits=18, decimal_places=2, widget=_input(forms.NumberInput(attrs={"step": "0.01"}))
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, widget=_input(forms.Select()))
    close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DATE)
    pipeline_id = forms.TypedChoiceField(label=_("Pipeline"), coerce=int, required=False, empty_value=None, widget=_input(forms.Select()))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pipeline_id"].choices = [("", "—"), *((p.pk, p.name) for p in selectors.pipeline_list())]  # type: ignore[attr-defined]
        self.picker_labels: dict[str, str] = {}
