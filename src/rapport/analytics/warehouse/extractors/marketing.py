"""Tables from the marketing app: the campaign dimension, and the campaign-cost and campaign-response facts.

A response's customer is the company it counts for: the one named, the contact's company, or the company a
lead was converted into. A lead converted after the response was extracted moves its row, so the row is
taken again when the lead (or the contact) changes. Names of people are not copied: a response row holds
ids, its kind and its day.
"""

from __future__ import annotations

import pyarrow as pa

from rapport.analytics.warehouse.extractors.dates import DATE_FIELDS, with_date_key
from rapport.analytics.warehouse.extractors.money import AMOUNT
from rapport.analytics.warehouse.extractors.sales import dated_in_base
from rapport.analytics.warehouse.sources import Col, Extract, extracted
from rapport.marketing.models import Campaign, CampaignCost, CampaignResponse
from rapport.marketing.returns import RESPONDER

ID = pa.int64()
TEXT = pa.string()
DAY = pa.date32()


@extracted("dim_campaign", key="campaign_id")
def campaigns() -> Extract:
    return Extract(
        queryset=Campaign.objects.all(),
        columns=[
            Col("campaign_id", "id", ID),
            Col("parent_id", "parent_id", ID),
            Col("name", "name", TEXT),
            Col("kind", "kind", TEXT),
            Col("status", "status", TEXT),
            Col("starts_on", "starts_on", DAY),
            Col("ends_on", "ends_on", DAY),
            Col("currency", "currency", TEXT),
            Col("budget", "budget", AMOUNT),
            Col("goal_minimum", "goal_minimum", ID),
            Col("goal_stretch", "goal_stretch", ID),
            Col("attribution_days", "attribution_days", ID),
            Col("owner_id", "owner_id", ID),
        ],
    )


@extracted("fact_campaign_cost", key="cost_id")
def campaign_costs() -> Extract:
    derive, fields = dated_in_base("spent_on", "amount")
    return Extract(
        queryset=CampaignCost.objects.all(),
        columns=[
            Col("cost_id", "id", ID),
            Col("campaign_id", "campaign_id", ID),
            Col("spent_on", "spent_on", DAY),
            Col("currency", "currency", TEXT),
            Col("amount", "amount", AMOUNT),
        ],
        derive=derive,
        derived_columns=fields,
    )


@extracted("fact_campaign_response", key="response_id")
def campaign_responses() -> Extract:
    return Extract(
        queryset=CampaignResponse.objects.annotate(responder=RESPONDER),
        columns=[
            Col("response_id", "id", ID),
            Col("campaign_id", "campaign_id", ID),
            Col("kind", "kind", TEXT),
            Col("responded_on", "responded_on", DAY),
            Col("account_id", "responder", ID),
            Col("customer_id", "contact_id", ID),
            Col("lead_id", "lead_id", ID),
            Col("lead_status", "lead__status", TEXT),
        ],
        changed=("updated_at", "lead__updated_at", "contact__updated_at"),
        derive=lambda table: with_date_key(table, "responded_on"),
        derived_columns=DATE_FIELDS,
    )
