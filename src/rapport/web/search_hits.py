"""The matches of global search, drawn in Python: the search page (25 of each record type) and the
search box's dropdown, which call-centre agents type a caller's number into.

Drawn by an included template, each hit cost an include and 30 variable lookups.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from rapport.common.names import initials
from rapport.customers.models import LeadStatus
from rapport.web.record_display import first_point, phone_display, url_prefix


def _joined(*parts: Any) -> str:
    return " · ".join(str(part) for part in parts if part)


def _subtitle(row: Any, kind: str, statuses: dict[str, str]) -> str:
    if kind == "account":
        return _joined(row.industry, row.city)
    if kind == "contact":
        return _joined(row.title, row.account.name if row.account_id else "")
    return _joined(row.company, statuses.get(row.status, row.status))


def _extra(row: Any) -> SafeString:
    phone = first_point(row, "phone")
    if phone is not None:
        return format_html('<span class="hit-extra nowrap">{}</span>', phone_display(phone))
    email = first_point(row, "email")
    return format_html('<span class="hit-extra">{}</span>', email.value) if email is not None else SafeString()


def search_hits(rows: Iterable[Any], kind: str) -> SafeString:
    """A link per record of ``kind`` (account, contact, lead): its name, what tells it apart, a phone or email."""
    detail = url_prefix(f"web:{kind}_detail")
    statuses = {value: str(label) for value, label in LeadStatus.choices} if kind == "lead" else {}
    return format_html_join(
        "",
        '<a class="hit" href="{}{}/" role="option" data-hit><span class="avatar avatar-sm">{}</span>'
        '<span class="hit-text"><span class="hit-title">{}</span><span class="hit-sub">{}</span></span>{}</a>',
        (
            (detail, row.pk, initials(row), row.name if kind == "account" else row.full_name, _subtitle(row, kind, statuses), _extra(row))
            for row in rows
        ),
    )
