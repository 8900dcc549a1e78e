"""Closing the loop: RFM, value deciles and VIPs written back to the accounts' profiles."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rapport.analytics.engine import WarehouseMissing, open_warehouse
from rapport.analytics.scoring import customers_score
from rapport.analytics.tests.warehouse_data import AS_OF, LINES, RFM, write_warehouse
from rapport.common.errors import ValidationFailed
from rapport.customers.models import CustomerProfile
from rapport.customers.profiles import customer_profiles_write
from rapport.customers.services import account_create

pytestmark = pytest.mark.django_db
SCORED_AT = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def accounts(users: dict[str, Any]) -> dict[int, Any]:
    """Accounts 1-6 of the hand-worked example, plus one that never bought."""
    made = {n: account_create(actor=users["north_rep"], data={"name": f"Account {n}"}) for n in range(1, 8)}
    return made


def _warehouse(tmp_path: Path, accounts: dict[int, Any]) -> Any:
    lines = [(accounts[a].pk, order, day, amount) for a, order, day, amount in LINES]
    return open_warehouse(root=write_warehouse(tmp_path, lines))


def test_scores_deciles_and_vips_are_written_to_the_profiles(accounts: dict[int, Any], tmp_path: Path) -> None:
    written = customers_score(as_of=AS_OF, warehouse=_warehouse(tmp_path, accounts), scored_at=SCORED_AT)

    assert written == 6
    profiles = {p.account_id: p for p in CustomerProfile.objects.all()}
    assert accounts[7].pk not in profiles
    got = {
        n: (p.rfm_recency, p.rfm_frequency, p.rfm_monetary, p.rfm_segment, p.monetary_value)
        for n, a in accounts.items()
        if (p := profiles.get(a.pk)) is not None
    }
    assert got == {n: (r, f, m, segment, monetary) for n, (_, _, monetary, r, f, m, segment) in RFM.items()}
    # Value deciles: 10 - floor(10 × accounts above / 6), by monetary 4000, 600, 200, 50, 20, 10.
    deciles = {n: (profiles[accounts[n].pk].value_decile, profiles[accounts[n].pk].is_vip) for n in range(1, 7)}
    assert deciles == {3: (10, True), 1: (9, False), 5: (7, False), 2: (5, False), 4: (4, False), 6: (2, False)}
    assert {p.scored_at for p in profiles.values()} == {SCORED_AT}


def test_a_rescore_clears_accounts_that_dropped_out_and_keeps_other_fields(accounts: dict[int, Any], tmp_path: Path) -> None:
    customers_score(as_of=AS_OF, warehouse=_warehouse(tmp_path / "a", accounts), scored_at=SCORED_AT)
    CustomerProfile.objects.filter(account=accounts[4]).update(churn_risk=0.25)
    only_three = [(accounts[3].pk, 301, AS_OF, "10.00")]
    later = datetime(2025, 7, 2, tzinfo=UTC)
    customers_score(as_of=AS_OF, warehouse=open_warehouse(root=write_warehouse(tmp_path / "b", only_three)), scored_at=later)

    three = CustomerProfile.objects.get(account=accounts[3])
    # Alone in the base, nobody ranks below it: quintile scores 1 (the tie rule), yet the top decile.
    assert (three.rfm_segment, three.value_decile, three.is_vip, three.monetary_value) == ("lost", 10, True, Decimal("10.00"))
    four = CustomerProfile.objects.get(account=accounts[4])
    assert (four.rfm_segment, four.rfm_recency, four.value_decile, four.is_vip, four.churn_risk) == ("", None, None, False, 0.25)
    assert CustomerProfile.objects.filter(is_vip=True).count() == 1


def test_profile_rows_must_name_known_fields(accounts: dict[int, Any]) -> None:
    with pytest.raises(ValidationFailed, match="only these fields"):
        customer_profiles_write(rows=[{"account_id": accounts[1].pk, "owner_id": 1}], scored_at=SCORED_AT, via="test")
    with pytest.raises(ValidationFailed, match="same fields"):
        customer_profiles_write(
            rows=[{"account_id": accounts[1].pk, "is_vip": True}, {"account_id": accounts[2].pk, "clv": Decimal(1)}],
            scored_at=SCORED_AT,
            via="test",
        )
    assert CustomerProfile.objects.count() == 0


def test_rows_for_deleted_accounts_are_skipped_and_batches_upsert(accounts: dict[int, Any], settings: Any) -> None:
    rows = [{"account_id": a.pk, "clv": Decimal(n)} for n, a in accounts.items()] + [{"account_id": 999_999, "clv": Decimal(1)}]
    assert customer_profiles_write(rows=rows, scored_at=SCORED_AT, via="test") == 7
    rows = [{"account_id": accounts[1].pk, "clv": Decimal("12.50")}]
    assert customer_profiles_write(rows=rows, scored_at=SCORED_AT, via="test") == 1
    assert CustomerProfile.objects.get(account=accounts[1]).clv == Decimal("12.50")
    assert CustomerProfile.objects.count() == 7


def test_scoring_without_a_warehouse_says_so(settings: Any, tmp_path: Path, db: Any) -> None:
    settings.RAPPORT_WAREHOUSE_DIR = tmp_path
    with pytest.raises(WarehouseMissing, match="No warehouse yet"):
        customers_score()


def test_cli_scores_from_the_current_warehouse(accounts: dict[int, Any], tmp_path: Path, settings: Any) -> None:
    import io

    from django.core.management import call_command

    lines = [(accounts[a].pk, order, day, amount) for a, order, day, amount in LINES]
    settings.RAPPORT_WAREHOUSE_DIR = write_warehouse(tmp_path, lines)
    out = io.StringIO()
    call_command("warehouse", "score", "--as-of", "2025-06-30", stdout=out)
    assert out.getvalue() == "Scored 6 accounts from warehouse v000001.\n"
    assert CustomerProfile.objects.get(account=accounts[3]).rfm_segment == "cant_lose"
