"""Tables from the service app: the case fact, dated by the day it was opened.

A case's row changes as it is worked (status, priority, due time, resolution), so each build takes the
rows changed since the last; "breached" is not stored, since it depends on when it is read: a case is
late when ``resolved_at`` (or, while open, the day of the analysis) is after ``due_at``.
"""

from __future__ import annotations

import pyarrow as pa

from rapport.analytics.warehouse.extractors.dates import DATE_FIELDS, with_local_date
from rapport.analytics.warehouse.sources import Col, Extract, extracted
from rapport.service.models import Case

ID = pa.int64()
TEXT = pa.string()
MOMENT = pa.timestamp("us", tz="UTC")


@extracted("fact_case", key="case_id")
def cases() -> Extract:
    return Extract(
        queryset=Case.objects.all(),
        columns=[
            Col("case_id", "id", ID),
            Col("account_id", "account_id", ID),
            Col("customer_id", "contact_id", ID),
            Col("product_id", "product_id", ID),
            Col("owner_id", "owner_id", ID),
            Col("kind", "kind", TEXT),
            Col("priority", "priority", TEXT),
            Col("status", "status", TEXT),
            Col("channel", "channel", TEXT),
            Col("opened_at", "created_at", MOMENT),
            Col("due_at", "due_at", MOMENT),
            Col("resolved_at", "resolved_at", MOMENT),
        ],
        derive=lambda table: with_local_date(table, "opened_at"),
        derived_columns=DATE_FIELDS,
    )
