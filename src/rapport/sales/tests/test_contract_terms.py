"""Contracts end and renew by themselves: the daily job, its audit and timeline entries, and running it twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.core.models import AuditEntry
from rapport.customers.models import Interaction
from rapport.sales.contract_terms import RollOver, contracts_roll_over
from rapport.sales.models import Contract

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def make_contract(users, make_account):
    from rapport.sales.contracts import contract_create

    account = make_account(users["north_rep"], "华星上海")

    def make(title, *, start, end, **extra):
        data = {"title": title, "account_id": account.pk, "start_date": start, "end_date": end, "currency": "CNY", **extra}
        return contract_create(actor=users["north_rep"], data=data)

    return make


def _state(contract):
    fresh = Contract.objects.get(pk=contract.pk)
    return fresh.status, fresh.start_date.isoformat(), fresh.end_date.isoformat()


def test_a_contract_past_its_end_expires_and_an_auto_renewing_one_starts_its_next_term(make_contract):
    lease = make_contract("办公设备租赁", start="2024-12-24", end="2026-10-24", status="active")
    support = make_contract(
        "年度维护合同", start="2025-10-25", end="2026-10-24", status="active", auto_renew=True, renewal_terms="续约一年"
    )
    lapsed = make_contract("Old support", start="2023-01-01", end="2023-12-31", status="active", auto_renew=True)
    running = make_contract("Running", start="2026-01-01", end="2026-11-24", status="active")
    draft = make_contract("Draft", start="2026-01-01", end="2026-02-01", status="draft")

    assert contracts_roll_over(today=TODAY) == RollOver(renewed=2, ended=1)
    assert _state(lease) == ("ended", "2024-12-24", "2026-10-24")
    assert _state(support) == ("active", "2026-10-25", "2027-10-24")
    # Three yearly terms passed while nobody looked: it catches up to the term that holds today.
    assert _state(lapsed) == ("active", "2025-12-31", "2026-12-30")
    assert _state(running) == ("active", "2026-01-01", "2026-11-24")
    assert _state(draft)[0] == "draft"

    entries = AuditEntry.objects.filter(record_type="sales.contract", via="job").order_by("record_id")
    assert [(e.record_id, e.actor_id, sorted(e.changes)) for e in entries] == [
        (lease.pk, None, ["status"]),
        (support.pk, None, ["end_date", "start_date"]),
        (lapsed.pk, None, ["end_date", "start_date"]),
    ]
    timeline = {i.concerns: i.subject for i in Interaction.objects.filter(account=lease.account)}
    assert timeline[f"sales.contract:{lease.pk}"] == "Contract 办公设备租赁 expired on 2026-10-24"
    assert timeline[f"sales.contract:{support.pk}"] == ("Contract 年度维护合同 renewed automatically: 2026-10-25 to 2027-10-24")

    # The next day's run (or a second run in the same slot) changes nothing and records nothing.
    assert contracts_roll_over(today=TODAY) == RollOver(renewed=0, ended=0)
    assert contracts_roll_over(today=TODAY + dt.timedelta(days=1)) == RollOver(renewed=0, ended=0)
    assert AuditEntry.objects.filter(via="job", record_type="sales.contract").count() == 3 and Interaction.objects.count() == 3


def test_a_terminated_contract_neither_renews_nor_expires_again(users, make_contract):
    from rapport.sales.contracts import contract_terminate

    ended = make_contract("Cancelled", start="2025-01-01", end="2025-12-31", status="active", auto_renew=True)
    contract_terminate(actor=users["north_rep"], contract=ended, ended_on="2025-06-30")
    assert contracts_roll_over(today=TODAY) == RollOver(renewed=0, ended=0)
    assert _state(ended) == ("cancelled", "2025-01-01", "2025-06-30")


def test_the_daily_job_is_scheduled_and_runs_the_roll_over(make_contract):
    from rapport.core.jobs.scheduler import schedule
    from rapport.sales.tasks import roll_over_contracts

    lease = make_contract("办公设备租赁", start="2024-12-24", end=str(timezone.localdate() - dt.timedelta(days=30)), status="active")
    assert schedule.jobs["contract-terms"].daily_at == dt.time(0, 30)
    assert roll_over_contracts.call() == {"renewed": 0, "ended": 1}
    assert roll_over_contracts.call() == {"renewed": 0, "ended": 0}
    assert _state(lease)[0] == "ended"


def test_roll_over_notes_are_automatic_in_the_owners_language_and_kept_when_the_owner_lost_the_account(users, make_contract):
    owner = users["north_rep"]
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    lease = make_contract("办公设备租赁", start="2024-12-24", end="2026-10-24", status="active")
    # The account moves to another team: its old owner no longer sees it, the note is still written.
    lease.account.__class__.objects.filter(pk=lease.account_id).update(owner=users["south_rep"], team=users["south_rep"].team)
    assert contracts_roll_over(today=TODAY) == RollOver(renewed=0, ended=1)
    note = Interaction.objects.get(concerns=f"sales.contract:{lease.pk}")
    assert (note.channel, note.user_id, note.get_channel_display()) == ("system", None, "Automatic")
    assert note.subject == "合同 办公设备租赁 已于 2026-10-24 到期"
    assert "不会自动续约" in note.body
    assert AuditEntry.objects.filter(record_type="customers.interaction", record_id=note.pk, actor=None, via="job").exists()


def test_people_cannot_log_an_automatic_note(users, api_for, make_account):
    account = make_account(users["north_rep"], "华星上海")
    response = api_for(users["north_rep"]).post("interactions", {"channel": "system", "subject": "Forged", "account_id": account.pk})
    assert response.status_code == 422
    assert "channel" in response.json()["errors"]
    assert not Interaction.objects.exists()


def test_the_migration_moves_old_roll_over_notes_to_the_automatic_channel(users, make_contract):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("rapport.customers.migrations.0014_interaction_channel_system")
    lease = make_contract("Lease", start="2024-12-24", end="2026-10-24", status="active")
    common = {"account_id": lease.account_id, "direction": "outbound", "user": users["north_rep"]}
    old = Interaction.objects.create(
        channel="web", subject="Contract Lease expired on 2026-10-24", concerns=f"sales.contract:{lease.pk}", **common
    )
    call = Interaction.objects.create(channel="web", subject="Called about the renewal", concerns=f"sales.contract:{lease.pk}", **common)
    migration.notes_to_system(apps, None)
    old.refresh_from_db()
    call.refresh_from_db()
    assert (old.channel, old.user_id) == ("system", None)
    assert (call.channel, call.user_id) == ("web", users["north_rep"].pk)
