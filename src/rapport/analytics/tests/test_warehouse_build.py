"""The warehouse build: deterministic full builds, correct incremental builds, interrupted builds harmless."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from rapport.analytics.warehouse import WarehouseBusy, current_version, read_manifest, warehouse_build, warehouse_status
from rapport.analytics.warehouse.build import _exclusive
from rapport.customers.models import Account, Contact, Interaction
from rapport.customers.services import account_create, account_update, contact_create, contact_delete, interaction_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(users: dict[str, Any]) -> dict[str, Any]:
    rep = users["north_rep"]
    acme = account_create(actor=rep, data={"name": "Acme", "region": "Shanghai", "industry": "Retail"})
    globex = account_create(actor=rep, data={"name": "Globex", "region": "Beijing"})
    wei = contact_create(actor=rep, data={"full_name": "Wei Zhang", "account_id": acme.pk})
    lin = contact_create(actor=rep, data={"full_name": "Lin Li", "account_id": globex.pk})
    logged = [
        interaction_log(
            actor=rep, channel="phone", subject="Call", contact_id=wei.pk, occurred_at=datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
        ),
        interaction_log(
            actor=rep, channel="email", subject="Mail", account_id=globex.pk, occurred_at=datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
        ),
    ]
    return {"rep": rep, "acme": acme, "globex": globex, "wei": wei, "lin": lin, "interactions": logged}


def _table(root: Path, name: str) -> pa.Table:
    manifest = read_manifest(root)
    assert manifest is not None
    directory = root / manifest["version"] / name
    table = pa.concat_tables([pq.read_table(directory / part) for part in manifest["tables"][name]["parts"]])
    return table.sort_by(manifest["tables"][name]["key"])


def _digests(root: Path) -> dict[str, str]:
    manifest = read_manifest(root)
    assert manifest is not None
    base = root / manifest["version"]
    return {
        f"{name}/{part}": hashlib.sha256((base / name / part).read_bytes()).hexdigest()
        for name, entry in manifest["tables"].items()
        for part in entry["parts"]
    }


def test_first_build_extracts_the_star_schema(crm: dict[str, Any], tmp_path: Path) -> None:
    manifest = warehouse_build(root=tmp_path)

    assert manifest["full"] is True
    assert sorted(manifest["tables"]) == [
        "dim_account",
        "dim_campaign",
        "dim_channel",
        "dim_customer",
        "dim_date",
        "dim_product",
        "fact_campaign_cost",
        "fact_campaign_response",
        "fact_case",
        "fact_interaction",
        "fact_invoice",
        "fact_order_line",
        "fact_payment",
        "fact_return",
        "fact_survey",
    ]
    accounts = _table(tmp_path, "dim_account")
    assert accounts.column("account_id").to_pylist() == [crm["acme"].pk, crm["globex"].pk]
    assert accounts.column("region").to_pylist() == ["Shanghai", "Beijing"]
    assert "name" not in accounts.column_names  # no personal data in the warehouse
    facts = _table(tmp_path, "fact_interaction")
    assert facts.column("interaction_id").to_pylist() == [i.pk for i in crm["interactions"]]
    # The contact's account is filled in by the service; the day is the installation's (UTC here).
    assert facts.column("account_id").to_pylist() == [crm["acme"].pk, crm["globex"].pk]
    assert facts.column("customer_id").to_pylist() == [crm["wei"].pk, None]
    assert facts.column("date_key").to_pylist() == [20250301, 20260102]
    dates = _table(tmp_path, "dim_date")
    assert dates.num_rows == 365 + 365  # whole years 2025 and 2026
    assert dates.column("date_key")[0].as_py() == 20250101
    assert dates.column("weekday")[0].as_py() == 3  # 1 January 2025 was a Wednesday
    assert warehouse_status(tmp_path) == {
        "version": "v000001",
        "built_at": datetime.fromisoformat(manifest["built_at"]),
        "full": True,
        "tables": {
            "dim_account": 2,
            "dim_campaign": 0,
            "dim_channel": 9,  # the eight contact channels and Rapport's own notes
            "dim_customer": 2,
            "dim_date": 730,
            "dim_product": 0,
            "fact_campaign_cost": 0,
            "fact_campaign_response": 0,
            "fact_case": 0,
            "fact_interaction": 2,
            "fact_invoice": 0,
            "fact_order_line": 0,
            "fact_payment": 0,
            "fact_return": 0,
            "fact_survey": 0,
        },
    }


def test_cases_are_facts_that_follow_their_changes(crm: dict[str, Any], tmp_path: Path, users: dict[str, Any]) -> None:
    from rapport.service.cases import case_open, case_resolve

    complaint = case_open(
        actor=users["agent"],
        data={"subject": "Rattles", "account_id": crm["acme"].pk, "contact_id": crm["wei"].pk, "kind": "complaint", "priority": "high"},
    )
    question = case_open(actor=users["agent"], data={"subject": "Manual?", "account_id": crm["globex"].pk})
    warehouse_build(root=tmp_path)
    facts = _table(tmp_path, "fact_case")
    assert facts.column("case_id").to_pylist() == [complaint.pk, question.pk]
    assert facts.column("kind").to_pylist() == ["complaint", "question"]
    assert facts.column("customer_id").to_pylist() == [crm["wei"].pk, None]
    assert facts.column("resolved_at").to_pylist() == [None, None]
    assert "subject" not in facts.column_names  # what was said stays in the CRM
    case_resolve(actor=users["agent"], case=complaint, resolution="Fixed")
    incremental = warehouse_build(root=tmp_path)
    assert incremental["full"] is False
    facts = _table(tmp_path, "fact_case")
    assert facts.column("status").to_pylist() == ["resolved", "open"]
    assert facts.column("resolved_at")[0].as_py() is not None


def test_campaign_responses_follow_the_lead_into_the_company_it_became(crm: dict[str, Any], tmp_path: Path, users: dict[str, Any]) -> None:
    from rapport.customers.models import Lead, LeadStatus
    from rapport.customers.services import lead_create
    from rapport.marketing.campaigns import campaign_cost_add, campaign_create
    from rapport.marketing.responses import response_record

    marketer = users["marketer"]
    fair = campaign_create(actor=marketer, data={"name": "Fair", "kind": "exhibition", "starts_on": "2026-03-10", "currency": "CNY"})
    campaign_cost_add(actor=marketer, campaign=fair, data={"description": "Stand", "spent_on": "2026-03-01", "amount": "5000"})
    card = lead_create(actor=marketer, data={"last_name": "Li", "company": "Globex"})
    response_record(actor=marketer, campaign=fair, data={"kind": "card", "lead_id": card.pk, "responded_on": "2026-03-10"})
    response_record(actor=marketer, campaign=fair, data={"kind": "attended", "contact_id": crm["wei"].pk, "responded_on": "2026-03-11"})
    warehouse_build(root=tmp_path)
    campaigns = _table(tmp_path, "dim_campaign")
    assert campaigns.column("name").to_pylist() == ["Fair"] and campaigns.column("kind").to_pylist() == ["exhibition"]
    costs = _table(tmp_path, "fact_campaign_cost")
    assert costs.column("amount_base").to_pylist() == [Decimal("5000.00")] and costs.column("date_key").to_pylist() == [20260301]
    responses = _table(tmp_path, "fact_campaign_response")
    assert responses.column("account_id").to_pylist() == [None, crm["acme"].pk]  # the card is a lead as yet
    assert "note" not in responses.column_names
    Lead.objects.filter(pk=card.pk).update(status=LeadStatus.CONVERTED, converted_account=crm["globex"], updated_at=timezone.now())
    assert warehouse_build(root=tmp_path)["full"] is False
    responses = _table(tmp_path, "fact_campaign_response")
    assert responses.column("account_id").to_pylist() == [crm["globex"].pk, crm["acme"].pk]
    assert responses.column("lead_status").to_pylist() == ["converted", None]


def test_local_day_follows_the_installations_time_zone(crm: dict[str, Any], tmp_path: Path, settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    warehouse_build(root=tmp_path)
    # 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai.
    assert _table(tmp_path, "fact_interaction").column("date_key").to_pylist() == [20250302, 20260102]


def test_two_full_builds_are_byte_identical(crm: dict[str, Any], tmp_path: Path) -> None:
    warehouse_build(root=tmp_path / "a", full=True)
    warehouse_build(root=tmp_path / "b", full=True)
    first, second = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert first == second
    assert len(first) == 15


def test_incremental_build_equals_a_full_build(crm: dict[str, Any], tmp_path: Path) -> None:
    warehouse_build(root=tmp_path / "inc")
    rep = crm["rep"]
    account_update(actor=rep, account=crm["globex"], data={"region": "Tianjin"}, expected_version=crm["globex"].version)
    contact_delete(actor=rep, contact=crm["lin"])
    added = interaction_log(
        actor=rep, channel="web", subject="Form", account_id=crm["acme"].pk, occurred_at=datetime(2026, 2, 1, tzinfo=UTC)
    )

    manifest = warehouse_build(root=tmp_path / "inc")
    warehouse_build(root=tmp_path / "full", full=True)

    assert manifest["version"] == "v000002" and manifest["full"] is False
    for name in ["dim_account", "dim_customer", "fact_interaction", "dim_date", "dim_channel"]:
        assert _table(tmp_path / "inc", name).equals(_table(tmp_path / "full", name)), name
    assert _table(tmp_path / "inc", "dim_customer").column("customer_id").to_pylist() == [crm["wei"].pk]
    assert _table(tmp_path / "inc", "dim_account").column("region").to_pylist() == ["Shanghai", "Tianjin"]
    assert _table(tmp_path / "inc", "fact_interaction").column("interaction_id").to_pylist()[-1] == added.pk
    assert manifest["tables"]["fact_interaction"]["rows"] == 3 == Interaction.objects.count()


def test_incremental_build_shares_unchanged_parts(crm: dict[str, Any], tmp_path: Path) -> None:
    first = warehouse_build(root=tmp_path)
    # Nothing changed: every extracted table's old part is carried over as a hard link.
    Interaction.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    Account.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    Contact.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    warehouse_build(root=tmp_path, full=True)
    second = warehouse_build(root=tmp_path)

    assert first["version"] == "v000001" and second["version"] == "v000003"
    assert second["tables"]["fact_interaction"]["parts"] == ["full-00000.parquet"]
    old = tmp_path / "v000002" / "fact_interaction" / "full-00000.parquet"
    new = tmp_path / "v000003" / "fact_interaction" / "full-00000.parquet"
    assert old.stat().st_ino == new.stat().st_ino
    # Only the current version and the one before it are kept.
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["v000002", "v000003"]


def test_an_interrupted_build_leaves_the_previous_warehouse_readable(crm: dict[str, Any], tmp_path: Path) -> None:
    warehouse_build(root=tmp_path)
    before = _table(tmp_path, "fact_interaction")

    def die(step: str, done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        warehouse_build(root=tmp_path, full=True, progress=die)

    assert current_version(tmp_path) == "v000001"
    assert (tmp_path / "v000002").exists()  # the half-written version, never pointed at
    assert _table(tmp_path, "fact_interaction").equals(before)
    again = warehouse_build(root=tmp_path)
    assert again["version"] == "v000002"
    assert current_version(tmp_path) == "v000002"
    assert _table(tmp_path, "fact_interaction").equals(before)


def test_a_second_build_at_the_same_time_is_refused(crm: dict[str, Any], tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    with _exclusive(tmp_path), pytest.raises(WarehouseBusy):
        warehouse_build(root=tmp_path)
    assert current_version(tmp_path) is None


def test_progress_counts_the_rows_extracted(crm: dict[str, Any], tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    warehouse_build(root=tmp_path, progress=lambda step, done, total: seen.append((step, done, total)))
    assert seen[-1] == ("done", 6, 6)  # 2 accounts + 2 contacts + 2 interactions
    assert [s for s, _, _ in seen if s.startswith("dim_d")] == ["dim_date"]
