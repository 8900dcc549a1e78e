"""Renewal reminders: the daily job puts one to-do per contract term on the owner's "My day"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_contract(users, make_account):
    from rapport.sales.contracts import contract_create

    def make(owner, *, ends_in_days, reminder_days=60, **extra):
        today = timezone.localdate()
        data = {
            "title": "年度维护合同",
            "account_id": make_account(owner, "华星上海").pk,
            "start_date": str(today - dt.timedelta(days=300)),
            "end_date": str(today + dt.timedelta(days=ends_in_days)),
            "currency": "CNY",
            "reminder_days": reminder_days,
            "notice_days": 30,
            **extra,
        }
        return contract_create(actor=owner, data=data)

    return make


def _todos():
    from rapport.customers.models import Activity

    return list(Activity.objects.filter(concerns__startswith="sales.contract:").values_list("owner__username", "concerns", "kind"))


def test_the_job_run_twice_makes_one_todo_per_contract_on_the_owners_day(users, make_contract):
    from rapport.core.jobs.scheduler import schedule
    from rapport.customers.activity_selectors import my_day
    from rapport.sales.tasks import send_contract_renewal_reminders

    rep = users["north_rep"]
    due = make_contract(rep, ends_in_days=40)
    make_contract(rep, ends_in_days=40, reminder_days=30)  # not yet
    make_contract(rep, ends_in_days=10, status="draft")  # not active
    make_contract(users["south_rep"], ends_in_days=-1)  # over already
    assert schedule.jobs["contract-renewal-reminders"].daily_at == dt.time(6, 0)
    assert send_contract_renewal_reminders.call() == 1
    assert send_contract_renewal_reminders.call() == 0
    assert _todos() == [("north_rep", f"sales.contract:{due.pk}", "task")]
    [todo] = my_day(user=rep).today
    assert todo.subject == f"Renew contract {due.number} 年度维护合同 (ends {due.end_date.isoformat()})"
    assert todo.account_id == due.account_id
    assert todo.priority == "normal"  # notice is due in 10 days


def test_a_renewed_term_reminds_again_and_a_terminated_contract_does_not(users, make_contract):
    from rapport.sales.contracts import contract_renew, contract_terminate
    from rapport.sales.renewals import contract_send_renewal_reminders

    rep = users["north_rep"]
    contract = make_contract(rep, ends_in_days=20, reminder_days=30)
    other = make_contract(rep, ends_in_days=20, reminder_days=30)
    today = timezone.localdate()
    assert contract_send_renewal_reminders(today=today) == 2
    contract_terminate(actor=rep, contract=other)
    contract_renew(actor=rep, contract=contract, end_date=str(contract.end_date + dt.timedelta(days=60)))
    # The new term ends 80 days from today: the next reminder comes 30 days before that, once.
    assert contract_send_renewal_reminders(today=today) == 0
    later = contract.end_date - dt.timedelta(days=30)
    assert contract_send_renewal_reminders(today=later) == 1
    assert contract_send_renewal_reminders(today=later + dt.timedelta(days=1)) == 0
    assert [c for _, c, _ in _todos()].count(f"sales.contract:{contract.pk}") == 2


def test_notice_already_due_makes_the_todo_urgent(users, make_contract):
    from rapport.customers.models import Activity
    from rapport.sales.renewals import contract_send_renewal_reminders

    make_contract(users["north_rep"], ends_in_days=15)
    contract_send_renewal_reminders()
    assert Activity.objects.get().priority == "high"
