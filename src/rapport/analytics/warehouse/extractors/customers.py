"""Tables from the customers app: the account and customer (contact) dimensions, the interaction fact.

Names, emails and phones stay out of the warehouse: analysts work on aggregates, and a drill-down to
named customers reads the operational database through the customers' visibility rules.
"""

from __future__ import annotations

import pyarrow as pa

from rapport.analytics.warehouse.extractors.dates import DATE_FIELDS, with_local_date
from rapport.analytics.warehouse.sources import Col, Extract, extracted
from rapport.customers.models import Account, Contact, Interaction

ID = pa.int64()
TEXT = pa.string()
MOMENT = pa.timestamp("us", tz="UTC")


def _record_columns() -> list[Col]:
    return [
        Col("owner_id", "owner_id", ID),
        Col("team_id", "team_id", ID),
        Col("industry", "industry", TEXT),
        Col("region", "region", TEXT),
        Col("country", "country", TEXT),
        Col("city", "city", TEXT),
        Col("created_at", "created_at", MOMENT),
    ]


@extracted("dim_account", key="account_id")
def accounts() -> Extract:
    return Extract(
        queryset=Account.objects.all(),
        columns=[
            Col("account_id", "id", ID),
            Col("kind", "kind", TEXT),
            Col("parent_id", "parent_id", ID),
            Col("employees", "employees", ID),
            *_record_columns(),
        ],
    )


@extracted("dim_customer", key="customer_id")
def customers() -> Extract:
    return Extract(
        queryset=Contact.objects.all(),
        columns=[Col("customer_id", "id", ID), Col("account_id", "account_id", ID), Col("language", "language", TEXT), *_record_columns()],
    )


@extracted("fact_interaction", key="interaction_id")
def interactions() -> Extract:
    return Extract(
        queryset=Interaction.objects.all(),
        columns=[
            Col("interaction_id", "id", ID),
            Col("account_id", "account_id", ID),
            Col("customer_id", "contact_id", ID),
            Col("lead_id", "lead_id", ID),
            Col("user_id", "user_id", ID),
            Col("channel", "channel", TEXT),
            Col("direction", "direction", TEXT),
            Col("occurred_at", "occurred_at", MOMENT),
        ],
        derive=lambda table: with_local_date(table, "occurred_at"),
        derived_columns=DATE_FIELDS,
    )
