"""The filters of the document lists (quotes, orders, invoices): ``?status=&owner_id=&account_id=&q=``.

One definition for every document page; a bad value names its parameter
(the page shows it above the table instead of a 500).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from rapport.common.errors import ValidationFailed
from rapport.sales.filters import id_param

M = TypeVar("M", bound=Model)
MAX_QUERY = 200


def apply_document_filters(queryset: QuerySet[M], params: Mapping[str, Any], *, statuses: Sequence[str], via: str = "") -> QuerySet[M]:
    """Narrow by status, owner, account and a search on the number or the account's name.

    ``via`` is the path from the document to the one that holds owner and account
    (``"order__"`` for invoices).
    """
    if raw := params.get("status"):
        if raw not in statuses:
            raise ValidationFailed.for_field("status", f"Choose one of {', '.join(statuses)}.")
        queryset = queryset.filter(status=raw)
    for name in ("owner_id", "account_id"):
        if (ident := id_param(params, name)) is not None:
            queryset = queryset.filter(**{f"{via}{name}": ident})
    if q := (params.get("q") or "").strip():
        if len(q) > MAX_QUERY:
            raise ValidationFailed.for_field("q", "At most 200 characters.")
        queryset = queryset.filter(Q(number__icontains=q) | Q(**{f"{via}account__name__icontains": q}))
    return queryset
