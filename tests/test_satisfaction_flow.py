"""Cross-domain flow: satisfaction scores given after cases reach the service dashboard's CSAT tile and the
warehouse's survey fact (without the comments), where the churn model reads them."""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq
import pytest

from rapport.analytics.dashboards.registry import dashboard_for_user
from rapport.analytics.warehouse import current_version, warehouse_build
from rapport.customers.services import account_create
from rapport.service.cases import case_open, case_resolve
from rapport.service.surveys import survey_record

pytestmark = pytest.mark.django_db


def test_answers_reach_the_service_dashboard_and_the_warehouse(users: dict[str, Any], tmp_path: Any) -> None:
    account = account_create(actor=users["north_rep"], data={"name": "Lotus Trading"})
    for score in (5, 4, 2):
        case = case_open(actor=users["agent"], data={"subject": f"Question {score}", "account_id": account.pk})
        case_resolve(actor=users["agent"], case=case, resolution="Answered.")
        survey_record(actor=users["agent"], case=case, data={"score": score, "comment": "private words"})
    board = dashboard_for_user(user=users["manager"], name="service", period="month")
    tile = next(t for t in board.tiles if t.key == "csat")
    assert tile.value == pytest.approx(66.7) and board.pending == []
    assert (
        next(t for t in dashboard_for_user(user=users["south_rep"], name="service", period="month").tiles if t.key == "csat").value is None
    )
    warehouse_build(root=tmp_path)
    facts = pq.read_table(tmp_path / str(current_version(tmp_path)) / "fact_survey").sort_by("survey_id")
    assert facts.column("score").to_pylist() == [5, 4, 2]
    assert facts.column("account_id").to_pylist() == [account.pk] * 3
    assert "comment" not in facts.column_names
