"""Tables from the service app: the case fact, dated by the day it was opened, and the satisfaction fact.

A case's row changes as it is worked (status, priority, due time, resolution), so each build takes the
rows changed since the last; "breached" is not stored, since it depends on when it is read: a case is
late when ``resolved_at`` (or, while open, the day of the analysis) is after ``due_at``.
"""

from __future__ import annotations

import pyarrow as pa

from rapport.analytics.warehouse.extractors.dates import DATE_FIELDS, with_local_date
from rapport.analytics.warehouse.sources import Col, Extract, extracted
from rapport.service.models import Case, SatisfactionSurvey

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


@extracted("fact_survey", key="survey_id")
def surveys() -> Extract:
    """Answered satisfaction surveys, dated by the answer: a score from 1 to 5 (no comment: what was said stays in the CRM)."""
    return Extract(
        queryset=SatisfactionSurvey.objects.filter(answered_at__isnull=False),
        columns=[
            Col("survey_id", "id", ID),
            Col("case_id", "case_id", ID),
            Col("account_id", "account_id", ID),
            Col("customer_id", "contact_id", ID),
            Col("score", "score", pa.int8()),
            Col("answered_via", "answered_via", TEXT),
            Col("answered_at", "answered_at", MOMENT),
        ],
        derive=lambda table: with_local_date(table, "answered_at"),
        derived_columns=DATE_FIELDS,
    )
