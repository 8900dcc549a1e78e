"""Next / Previous / first page over keyset pagination.

``common.pagination.keyset_page`` walks forward from a cursor. "Previous" walks
the reversed order from the page's first row and turns the rows round, so both
directions cost one indexed query however deep the list is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from rapport.common.pagination import encode_cursor, keyset_page

PAGE_SIZE = 25


@dataclass(frozen=True)
class ListPage:
    items: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool


def _reverse(sort: str) -> str:
    return sort[1:] if sort.startswith("-") else f"-{sort}"


def _cursor_of(row: Any, sort: str) -> str:
    return encode_cursor(getattr(row, sort.lstrip("-")), row.pk)


def list_page(
    queryset: QuerySet[Any],
    *,
    sort: str,
    after: str | None,
    before: str | None,
    limit: int = PAGE_SIZE,
    branches: Sequence[Q] = (),
    branch_base: QuerySet[Any] | None = None,
) -> ListPage:
    if before:
        page = keyset_page(queryset, sort=_reverse(sort), cursor=before, limit=limit, branches=branches, branch_base=branch_base)
        items = list(reversed(page.items))
        more_before = page.next_cursor is not None
        return ListPage(
            items=items,
            next_cursor=_cursor_of(items[-1], sort) if items else None,
            previous_cursor=_cursor_of(items[0], sort) if items and more_before else None,
            is_first=not more_before,
        )
    page = keyset_page(queryset, sort=sort, cursor=after, limit=limit, branches=branches, branch_base=branch_base)
    return ListPage(
        items=page.items,
        next_cursor=page.next_cursor,
        previous_cursor=_cursor_of(page.items[0], sort) if after and page.items else None,
        is_first=not after,
    )
