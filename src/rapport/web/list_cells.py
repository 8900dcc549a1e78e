"""The cells of the customer lists (accounts, contacts, leads), drawn in Python.

A list page shows 25 rows of up to 8 columns. Drawn by the template language,
each cell walked an ``if``/``elif`` chain over the column keys: about 2,800
template lookups a page, most of the page's server time at 1,000,000
contacts (docs/benchmarks.md). Here each column key picks its function once
per page and every value is escaped by ``format_html``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.utils import dateformat, formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from rapport.common.names import initials
from rapport.common.prefetched import prefetched
from rapport.web.kinds import RecordKind
from rapport.web.record_display import first_point, phone_display, record_name, url_prefix
from rapport.web.time_display import time_element

EMPTY = SafeString()


def _when() -> Callable[[Any], SafeString]:
    # The language's short date format is looked up once per page and each day drawn once.
    short = formats.get_format("SHORT_DATE_FORMAT")
    days: dict[date, str] = {}

    def when(value: Any) -> SafeString:
        if value is None:
            return EMPTY
        local = timezone.localtime(value)
        day = local.date()
        if day not in days:
            days[day] = dateformat.format(day, short)
        return time_element(local, days[day])

    return when


def _renderers(kind: RecordKind) -> dict[str, Callable[[Any], SafeString]]:
    detail, account_detail = url_prefix(f"web:{kind.key}_detail"), url_prefix("web:account_detail")

    def name(row: Any) -> SafeString:
        label = record_name(row)
        link = format_html(
            '<a class="row-link" href="{}{}/"><span class="avatar avatar-sm">{}</span><span>{}</span></a>',
            detail,
            row.pk,
            initials(label),
            label,
        )
        title = getattr(row, "title", "")
        return format_html('{}<div class="muted small">{}</div>', link, title) if title else link

    def phone(row: Any) -> SafeString:
        point = first_point(row, "phone")
        if point is None:
            return EMPTY
        return format_html('<a class="nowrap" href="tel:{}">{}</a>', point.normalised, phone_display(point))

    def email(row: Any) -> SafeString:
        point = first_point(row, "email")
        return format_html('<a href="mailto:{}">{}</a>', point.value, point.value) if point is not None else EMPTY

    def account(row: Any) -> SafeString:
        if not row.account_id:
            return EMPTY
        return format_html('<a href="{}{}/">{}</a>', account_detail, row.account_id, row.account.name)

    def place(row: Any) -> SafeString:
        return format_html("{}{}{}", row.city, ", " if row.city and row.country else "", row.country)

    def status(row: Any) -> SafeString:
        return format_html('<span class="badge badge-{}">{}</span>', row.status, row.get_status_display())

    def tags(row: Any) -> SafeString:
        return format_html_join("", '<span class="tag">{}</span>', ((tag.name,) for tag in prefetched(row, "tags")))

    when = _when()

    def text(attribute: str) -> Callable[[Any], SafeString]:
        return lambda row: format_html("{}", getattr(row, attribute) or "")

    return {
        "name": name,
        "industry": text("industry"),
        "place": place,
        "phone": phone,
        "email": email,
        "account": account,
        "company": text("company"),
        "status": status,
        "source": text("source"),
        "tags": tags,
        "owner": lambda row: format_html("{}", row.owner) if row.owner_id else EMPTY,
        "updated_at": lambda row: when(row.updated_at),
        "created_at": lambda row: when(row.created_at),
    }


def table_rows(kind: RecordKind, rows: Iterable[Any]) -> list[SafeString]:
    """Each row's ``<td>`` cells, in the order of ``kind.columns``.

    A row is one string: looped over by the template, 200 cells cost 400 variable lookups a page.
    """
    renderers = _renderers(kind)
    columns = [(f'<td class="{column.css}">', renderers.get(column.key, lambda row: EMPTY)) for column in kind.columns]
    # bandit B703: each renderer escapes what it draws (format_html), and a column's class is a constant of ours.
    return [SafeString("".join(f"{opening}{draw(row)}</td>" for opening, draw in columns)) for row in rows]  # nosec B703
