"""The lead routing pages: the ordered assignment rules, their editor, a sample-lead test and re-routing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.common.errors import PermissionDenied, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import Role, User
from rapport.sales import assignment
from rapport.sales.models import AssignmentRule
from rapport.sales.routing_forms import (
    FIELD_LABELS,
    OPERATOR_LABELS,
    AssignmentRuleForm,
    SampleLeadForm,
    condition_field_choices,
    condition_rows,
    conditions_from,
    operator_choices,
)
from rapport.sales.views.common import page_context


def _admin(request: HttpRequest) -> User:
    user = core_selectors.actor_of(request)
    if not user.is_administrator:
        raise Http404("Only administrators edit assignment rules.")
    return user


def _rule(pk: int) -> AssignmentRule:
    found = assignment.assignment_rule_list().filter(pk=pk).first()
    if found is None:
        raise Http404("No such assignment rule.")
    return found


def describe(condition: dict[str, Any], labels: dict[str, str]) -> str:
    value = condition["value"]
    shown = (
        " – ".join(map(str, value))
        if condition["operator"] == "between"
        else ", ".join(map(str, value))
        if isinstance(value, list)
        else value
    )
    return f"{labels.get(condition['field'], condition['field'])} {OPERATOR_LABELS[condition['operator']]} {shown}"


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    """Everyone sees where leads go; administrators change it."""
    user = core_selectors.actor_of(request)
    labels = {**{k: str(v) for k, v in FIELD_LABELS.items()}, **dict(condition_field_choices())}
    rules = [(r, [describe(c, labels) for c in r.conditions]) for r in assignment.assignment_rule_list()[:1000]]
    sample = SampleLeadForm(request.GET or None)
    fired: Any = None
    if user.is_administrator and request.GET and sample.is_valid():
        fired = assignment.rule_for_sample(user=user, sample=sample.cleaned_data) or False
    context = page_context(
        "routing",
        rules=rules,
        may_edit=user.is_administrator,
        may_reroute=user.is_administrator or user.role == Role.SALES_MANAGER,
        sample=sample,
        fired=fired,
    )
    return render(request, "sales/routing/rule_list.html", context)


def _editor(request: HttpRequest, rule: AssignmentRule | None) -> HttpResponse:
    user = _admin(request)
    post = request.POST if request.method == "POST" else None
    form = AssignmentRuleForm(post, rule=rule)
    rows = condition_rows(rule=rule, post=post, extra=1 if post is not None and "add_condition" in post else 0)
    if post is not None and "add_condition" not in post and form.is_valid():
        data = form.to_data(conditions_from(rows))
        try:
            if rule is None:
                assignment.assignment_rule_create(actor=user, data=data, via="web")
            else:
                assignment.assignment_rule_update(actor=user, rule=rule, data=data, via="web")
        except ValidationFailed as exc:
            form.apply_errors(exc)
            condition_errors = {k: v for k, v in exc.field_errors.items() if k.startswith("conditions")}
            if condition_errors:
                form.add_error(None, " ".join(m for v in condition_errors.values() for m in v))
        else:
            messages.success(request, _("Assignment rule saved."))
            return redirect("sales:assignment_rules")
    context = page_context(
        "routing",
        form=form,
        rule=rule,
        rows=rows,
        field_choices=condition_field_choices(),
        operator_choices=operator_choices(),
    )
    return render(request, "sales/routing/rule_form.html", context, status=422 if post is not None and form.errors else 200)


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    if not core_selectors.actor_of(request).is_administrator:
        messages.error(request, _("Only administrators change assignment rules."))
        return redirect("sales:assignment_rules")
    return _editor(request, None)


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    return _editor(request, _rule(pk))


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    assignment.assignment_rule_move(actor=user, rule=_rule(pk), by=-1 if request.POST.get("direction") == "up" else 1, via="web")
    return redirect("sales:assignment_rules")


@login_required
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    rule = _rule(pk)
    if request.method == "POST":
        assignment.assignment_rule_delete(actor=user, rule=rule, via="web")
        messages.success(request, _("Assignment rule “%(name)s” deleted.") % {"name": rule.name})
        return redirect("sales:assignment_rules")
    return render(request, "sales/routing/rule_delete.html", page_context("routing", rule=rule))


@login_required
@require_POST
def leads_reroute(request: HttpRequest) -> HttpResponse:
    try:
        result = assignment.leads_reroute(actor=core_selectors.actor_of(request), via="web")
    except PermissionDenied as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(routed)d leads routed; %(unmatched)d matched no rule and stay with their owner.")
            % {"routed": result.routed, "unmatched": result.unmatched},
        )
    return redirect("sales:assignment_rules")
