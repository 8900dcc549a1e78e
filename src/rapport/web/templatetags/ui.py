"""Small template helpers shared by every page: icons, contact points, audit values."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rapport.common.names import initials
from rapport.web.forms import InteractionForm
from rapport.web.icons import svg_icon
from rapport.web.navigation import sidebar_html
from rapport.web.record_display import first_point, phone_display, points_of, record_name
from rapport.web.search_hits import search_hits
from rapport.web.service_errors import translate_error
from rapport.web.timeline_entries import TimelineEntries, timeline_entries

register = template.Library()
register.filter("record_name", record_name)
register.filter("points_of", points_of)
register.filter("first_point", first_point)


@register.simple_tag(takes_context=True)
def sidebar_nav(context: template.Context) -> SafeString:
    """The sidebar's entries for the signed-in user, the page's section (``nav_active``) marked."""
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    return sidebar_html(
        language=get_language() or "",
        is_admin=signed_in and bool(getattr(user, "is_administrator", False)),
        role=getattr(user, "role", "") if signed_in else "",
        active=str(context.get("nav_active") or ""),
    )


register.simple_tag(svg_icon, name="icon")
register.simple_tag(timeline_entries, name="timeline_entries")
register.simple_tag(search_hits, name="search_hits")


@register.simple_tag
def log_form_fields(form: Any) -> SafeString:
    """The fields of the form that logs an interaction; blank, they are the same on every 360 page."""
    if form.is_bound:
        return mark_safe(render_to_string(_LOG_FIELDS, {"log_form": form}))  # nosec B308, B703: our template, escaped
    return _blank_log_fields(get_language() or "")


_LOG_FIELDS = "web/records/_log_fields.html"


@lru_cache(maxsize=8)
def _blank_log_fields(language: str) -> SafeString:
    # Drawn once per language: five widgets and their options were a fifth of a contact's 360 page.
    return mark_safe(render_to_string(_LOG_FIELDS, {"log_form": InteractionForm()}))  # nosec B308, B703: our template, escaped


@register.simple_tag
def timeline_entry(item: Any, record_type: str = "", show_customer: bool = False) -> SafeString:
    return TimelineEntries().entry(item, record_type=record_type, show_customer=show_customer)


@register.filter
def service_error(message: str) -> str:
    """A service's English message (stored with a record, like why a file was not kept) in the user's language."""
    return translate_error(str(message or ""))


register.filter("phone_display", phone_display)


@register.filter
def get_param(mapping: Any, key: str) -> Any:
    """``mapping[key]`` or "" in a template (a QueryDict, a dict)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def field_named(form: Any, name: str) -> Any:
    return form[name]


@register.filter
def audit_value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
    return str(value)


register.filter("initials", initials)
