"""Activity pages: the list, the form, quick complete, the 360 panel and the .ics download.

Every lookup goes through ``activity_selectors``, so an activity the user may
not see is a 404 here exactly as in the API.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from rapport.common.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.customers import activities, selectors
from rapport.customers.activity_selectors import (
    activities_for_record,
    activity_filter,
    activity_get_for_user,
    activity_list_for_user,
    activity_may_change,
    user_zone,
)
from rapport.customers.calendar import activity_ics
from rapport.customers.models import Activity, ActivityKind, ActivityStatus
from rapport.web.activity_forms import ActivityForm
from rapport.web.htmx import is_htmx, wants_partial
from rapport.web.kinds import KINDS
from rapport.web.paging import ListPage, list_page
from rapport.web.service_errors import translate_error


def get_visible(user: User, pk: int) -> Activity:
    try:
        return activity_get_for_user(user=user, activity_id=pk)
    except NotFound:
        raise Http404("activity") from None


def mark_changeable(user: User, items: list[Activity]) -> list[Activity]:
    """Tell each row whether its buttons show and whether it is late (plain attributes: no query per row)."""
    now = timezone.now()
    for item in items:
        item.may_change = activity_may_change(user, item)  # type: ignore[attr-defined]
        item.is_late = item.status == ActivityStatus.OPEN and item.due_at < now  # type: ignore[attr-defined]
    return items


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = ActivityStatus.OPEN
    errors: dict[str, list[str]] = {}
    page = ListPage(items=[], next_cursor=None, previous_cursor=None, is_first=True)
    try:
        queryset = activity_filter(activity_list_for_user(user=user), user=user, params=params)
        page = list_page(queryset, sort="due_at", after=request.GET.get("cursor"), before=request.GET.get("before"))
        mark_changeable(user, page.items)
    except ValidationFailed as exc:
        errors = {name: [translate_error(m, field=name) for m in found] for name, found in exc.field_errors.items()}
    context = {
        "page": page,
        "params": params,
        "kinds": ActivityKind.choices,
        "statuses": ActivityStatus.choices,
        "filter_errors": errors,
        "nav_active": "activities",
    }
    if wants_partial(request, "results"):
        return render(request, "web/activities/_table.html", context)
    return render(request, "web/activities/list.html", context)


def _about(user: User, request: HttpRequest) -> tuple[dict[str, Any], Any]:
    """The customer a new activity is about, from ``?account=``, ``?contact=`` or ``?lead=`` (if the user sees it)."""
    for key in ("account", "contact", "lead"):
        raw = request.GET.get(key, "")
        if raw.isdigit():
            record = getattr(selectors, f"visible_{key}")(user, int(raw))
            if record is not None:
                return {f"{key}_id": str(record.pk)}, record
    return {}, None


def _form_page(request: HttpRequest, form: ActivityForm, *, about: Any, stale: bool = False, status: int = 200) -> HttpResponse:
    back = request.POST.get("next") or request.GET.get("next") or ""
    context = {"form": form, "activity": form.activity, "about": about, "stale": stale, "next": back, "nav_active": "activities"}
    return render(request, "web/activities/form.html", context, status=status)


def _about_of(activity: Activity | None, form: ActivityForm) -> Any:
    if activity is not None:
        return activity.contact or activity.account or activity.lead
    user = form.actor
    for key in ("account", "contact", "lead"):
        raw = str(form.data.get(f"{key}_id", "") if form.is_bound else form.initial.get(f"{key}_id", ""))
        if raw.isdigit():
            return getattr(selectors, f"visible_{key}")(user, int(raw))
    return None


def _attempt(form: ActivityForm, write: Any) -> Any | None:
    try:
        return write()
    except ValidationFailed as exc:
        form.apply_errors(exc)
    except PermissionDenied as exc:
        form.add_error(None, translate_error(exc.message))
    return None


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    if request.method != "POST":
        initial, about = _about(user, request)
        kind = request.GET.get("kind", "")
        if kind in ActivityKind.values:
            initial["kind"] = kind
        # The next full hour, in the user's own time (the form's fields are local).
        local = timezone.localtime(timezone.now(), user_zone(user)).replace(tzinfo=None, minute=0, second=0, microsecond=0)
        initial["due_at"] = local + timedelta(hours=1)
        return _form_page(request, ActivityForm(actor=user, initial=initial), about=about)
    form = ActivityForm(request.POST, actor=user)
    activity = None
    if form.is_valid():
        data = form.to_data()
        activity = _attempt(
            form,
            lambda: activities.activity_create(
                actor=user,
                kind=data.pop("kind"),
                subject=data.pop("subject"),
                due_at=data.pop("due_at"),
                owner_id=data.pop("owner_id"),
                via="web",
                **data,
            ),
        )
    if activity is not None:
        messages.success(request, gettext("Activity “%(subject)s” added.") % {"subject": activity.subject})
        return redirect(_back(request, "web:activity_list"))
    return _form_page(request, form, about=_about_of(None, form), status=422)


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    activity = get_visible(user, pk)
    if not activity_may_change(user, activity):
        raise Http404("activity")
    if request.method != "POST":
        return _form_page(request, ActivityForm(actor=user, activity=activity), about=_about_of(activity, ActivityForm(actor=user)))
    form = ActivityForm(request.POST, actor=user, activity=activity)
    if form.is_valid():
        try:
            saved = _attempt(
                form,
                lambda: activities.activity_update(
                    actor=user, activity=activity, data=form.to_data(), expected_version=form.cleaned_data["version"], via="web"
                ),
            )
        except StaleVersion as exc:
            data = request.POST.copy()
            data["version"] = str(exc.current_version or "")
            form = ActivityForm(data, actor=user, activity=activity)
            form.is_valid()
            return _form_page(request, form, about=activity.contact or activity.account or activity.lead, stale=True, status=409)
        if saved is not None:
            messages.success(request, gettext("Saved."))
            return redirect(_back(request, "web:activity_list"))
    return _form_page(request, form, about=activity.contact or activity.account or activity.lead, status=422)


def _change_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Complete, cancel or reopen; over HTMX the row comes back in its new state."""
    user = core_selectors.actor_of(request)
    activity = get_visible(user, pk)
    version = request.POST.get("version", "")
    error = ""
    try:
        service = {"complete": activities.activity_complete, "cancel": activities.activity_cancel, "reopen": activities.activity_reopen}
        extra: dict[str, Any] = {}
        if action == "complete" and request.POST.get("log_interaction"):
            extra = {"log_interaction": True, "outcome": request.POST.get("outcome", "")}
        activity = service[action](
            actor=user, activity=activity, expected_version=int(version) if version.isdigit() else None, via="web", **extra
        )
    except (ValidationFailed, PermissionDenied) as exc:
        error = translate_error(exc.message.split(": ", 1)[-1])
    except StaleVersion:
        error = gettext("Someone changed this activity a moment ago; here it is as it is now.")
    activity = mark_changeable(user, [get_visible(user, pk)])[0]
    if is_htmx(request):
        context = {"a": activity, "error": error, "show_customer": request.POST.get("show_customer") == "1"}
        return render(request, "web/activities/_row.html", context, status=200)
    if error:
        messages.error(request, error)
    return redirect(_back(request, "web:activity_list"))


@login_required
@require_POST
def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(request, pk, "complete")


@login_required
@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(request, pk, "cancel")


@login_required
@require_POST
def activity_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(request, pk, "reopen")


@login_required
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    activity = get_visible(user, pk)
    if request.method != "POST":
        return render(request, "web/activities/delete.html", {"activity": activity, "nav_active": "activities"})
    try:
        activities.activity_delete(actor=user, activity=activity, via="web")
    except PermissionDenied as exc:
        messages.error(request, translate_error(exc.message))
    else:
        messages.success(request, gettext("Activity “%(subject)s” deleted.") % {"subject": activity.subject})
    return redirect("web:activity_list")


@login_required
def activity_ics_download(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible(core_selectors.actor_of(request), pk)
    response = HttpResponse(activity_ics(activity), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-{pk}.ics"'
    return response


@login_required
def record_activities(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The 360 page's "Open activities" panel, loaded after the page."""
    if kind not in KINDS:
        raise Http404(kind)
    user = core_selectors.actor_of(request)
    record = KINDS[kind].get(user, pk)
    items = mark_changeable(user, activities_for_record(user=user, **{kind: record}))
    context = {"items": items, "kind": kind, "record": record, "back": reverse(f"web:{kind}_detail", args=[pk])}
    return render(request, "web/activities/_panel.html", context)
