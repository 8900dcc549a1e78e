"""The worker in-process, driven turn by turn: retries with backoff, giving up, retrying by hand."""

from __future__ import annotations

import io
import random
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskContext, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.jobs.idempotency import once
from rapport.core.jobs.retry import RetryPolicy, policy_for, retrying
from rapport.core.jobs.scheduler import Schedule, Scheduler
from rapport.core.jobs.services import task_retry
from rapport.core.jobs.worker import RapportWorker
from rapport.core.models import IdempotencyKey, TaskRetry

pytestmark = pytest.mark.django_db

BASE_DELAY = 0.05


class Outage(Exception):
    pass


@retrying(max_attempts=5, base_delay=BASE_DELAY, factor=2.0, jitter=0.0)
@task(takes_context=True)
def flaky(context: TaskContext, failures: int) -> str:
    if context.attempt <= failures:
        raise Outage(f"attempt {context.attempt} failed")
    return f"done on attempt {context.attempt}"


@retrying(max_attempts=3, base_delay=0.01, jitter=0.0)
@task()
def needs_fix(key: str) -> str:
    if not IdempotencyKey.objects.filter(key=key).exists():
        raise Outage(f"{key} is not fixed")
    return "fixed"


@retrying(max_attempts=5, base_delay=0.01)
@task()
def bad_input() -> None:
    raise ValidationFailed.for_field("email", "not an address")


@task()
def count_once(key: str) -> bool:
    with once(key) as first:
        if first:
            IdempotencyKey.objects.create(key=f"{key}:side-effect-{IdempotencyKey.objects.count()}")
        return first


def make_worker() -> RapportWorker:
    # No periodic jobs: these tests own every task in the queue.
    return RapportWorker(
        queue_names=["default"], batch=True, scheduler=Scheduler(worker_id="test", schedule=Schedule()), rng=random.Random(7)
    )


def run_until_finished(worker: RapportWorker, result_id: str, *, timeout: float = 5.0) -> DBTaskResult:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.run_once()
        row = DBTaskResult.objects.get(pk=result_id)
        if row.status in {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED}:
            return row
        time.sleep(0.01)
    raise AssertionError(f"task {result_id} did not finish in {timeout}s")


def test_task_that_fails_twice_is_retried_with_growing_delays_then_succeeds():
    worker = make_worker()
    result = flaky.enqueue(failures=2)
    waits = []
    for attempt in (1, 2):
        before = timezone.now()
        ran, _ = worker.run_once()
        after = timezone.now()
        assert ran
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.READY
        assert len(row.worker_ids) == attempt
        assert row.exception_class_path.endswith("test_jobs_worker.Outage")
        assert f"attempt {attempt} failed" in row.traceback
        expected = timedelta(seconds=BASE_DELAY * 2 ** (attempt - 1))
        assert before + expected <= row.run_after <= after + expected
        waits.append(expected)
        # Not yet due: the worker finds nothing to do.
        if row.run_after > timezone.now():
            assert worker.run_once() == (False, True)
        time.sleep(expected.total_seconds())
    assert waits == [timedelta(seconds=0.05), timedelta(seconds=0.1)]
    row = run_until_finished(worker, result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "done on attempt 3"
    assert len(row.worker_ids) == 3
    assert row.traceback == ""
    assert row.exception_class_path == ""


def test_task_that_keeps_failing_stays_failed_and_an_administrator_retry_runs_it_again(users):
    worker = make_worker()
    result = needs_fix.enqueue(key="smtp-credentials")
    row = run_until_finished(worker, result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 3
    assert "smtp-credentials is not fixed" in row.traceback
    assert worker.run_once() == (False, True)

    IdempotencyKey.objects.create(key="smtp-credentials")
    retried = task_retry(actor=users["admin"], task_ids=[result.id])
    assert [r.pk for r in retried] == [row.pk]
    assert retried[0].status == TaskResultStatus.READY
    assert retried[0].finished_at is None
    record = TaskRetry.objects.get()
    assert (record.task_result_id, record.actor, record.actor_name, record.via, record.attempts_before) == (
        row.pk,
        users["admin"],
        "admin",
        "admin",
        3,
    )
    row = run_until_finished(worker, result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "fixed"
    assert len(row.worker_ids) == 4


def test_a_retried_task_gets_a_fresh_round_of_attempts(users):
    worker = make_worker()
    result = needs_fix.enqueue(key="never-fixed")
    run_until_finished(worker, result.id)
    task_retry(actor=users["admin"], task_ids=[str(result.id)])
    row = run_until_finished(worker, result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 6


def test_errors_raised_on_purpose_are_not_retried():
    worker = make_worker()
    result = bad_input.enqueue()
    worker.run_once()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 1
    assert row.exception_class_path == "rapport.common.errors.ValidationFailed"
    assert "email: not an address" in row.traceback


def test_only_administrators_retry_and_only_failed_tasks(users):
    worker = make_worker()
    failed = needs_fix.enqueue(key="x")
    run_until_finished(worker, failed.id)
    waiting = flaky.enqueue(failures=0)

    with pytest.raises(PermissionDenied):
        task_retry(actor=users["manager"], task_ids=[failed.id])
    with pytest.raises(Conflict, match=f"{waiting.id} is ready"):
        task_retry(actor=users["admin"], task_ids=[failed.id, waiting.id])
    with pytest.raises(NotFound):
        task_retry(actor=users["admin"], task_ids=[failed.id, "00000000-0000-0000-0000-000000000000"])
    with pytest.raises(ValidationFailed) as error:
        task_retry(actor=users["admin"], task_ids=["not-a-uuid"])
    assert error.value.field_errors == {"task_ids": ["'not-a-uuid' is not a task id."]}

    assert DBTaskResult.objects.get(pk=failed.id).status == TaskResultStatus.FAILED
    assert TaskRetry.objects.count() == 0


def test_retry_policy_backs_off_exponentially_with_capped_jittered_delays():
    policy = RetryPolicy(max_attempts=10, base_delay=10, factor=2, max_delay=60, jitter=0.5)
    rng = random.Random(1)
    delays = [policy.delay(attempt, rng).total_seconds() for attempt in range(1, 7)]
    ceilings = [10, 20, 40, 60, 60, 60]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling * 0.5 <= delay <= ceiling
    assert RetryPolicy(base_delay=10, jitter=0).delay(3) == timedelta(seconds=40)
    assert policy.should_retry(Outage(), attempt=9)
    assert not policy.should_retry(Outage(), attempt=10)
    assert not policy.should_retry(NotFound(), attempt=1)
    assert policy_for(flaky.module_path).max_attempts == 5
    assert policy_for("unknown.task").max_attempts == 3


def test_work_inside_once_runs_once_however_often_the_task_repeats():
    worker = make_worker()
    first, second = count_once.enqueue(key="invoice:7"), count_once.enqueue(key="invoice:7")
    worker.run_once()
    worker.run_once()
    assert DBTaskResult.objects.get(pk=first.id).return_value is True
    assert DBTaskResult.objects.get(pk=second.id).return_value is False
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["invoice:7", "invoice:7:side-effect-1"]


def test_administrators_see_failed_tasks_with_their_error_and_retry_them_from_the_admin(users):
    worker = make_worker()
    failed = needs_fix.enqueue(key="crm-import")
    run_until_finished(worker, failed.id)
    ok = flaky.enqueue(failures=0)
    run_until_finished(worker, ok.id)
    client = Client()
    client.force_login(users["admin"])

    listing = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert str(failed.id) in page
    assert str(ok.id) not in page
    assert "crm-import is not fixed" in page
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{failed.id}/change/")
    assert "Traceback (most recent call last)" in detail.content.decode()

    response = client.post(
        "/admin/django_tasks_database/dbtaskresult/",
        {"action": "retry_selected", "_selected_action": [str(failed.id)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 task(s) queued again." in response.content.decode()
    assert DBTaskResult.objects.get(pk=failed.id).status == TaskResultStatus.READY
    assert TaskRetry.objects.get().via == "admin"

    refused = client.post(
        "/admin/django_tasks_database/dbtaskresult/", {"action": "retry_selected", "_selected_action": [str(ok.id)]}, follow=True
    )
    assert "Only failed tasks can be retried" in refused.content.decode()
    assert DBTaskResult.objects.get(pk=ok.id).status == TaskResultStatus.SUCCESSFUL


def test_sales_reps_do_not_reach_the_task_admin(users):
    client = Client()
    client.force_login(users["north_rep"])
    response = client.get("/admin/django_tasks_database/dbtaskresult/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_command_line_lists_failed_tasks_and_retries_them():
    worker = make_worker()
    failed = needs_fix.enqueue(key="nightly-export")
    run_until_finished(worker, failed.id)

    out = io.StringIO()
    call_command("tasks", "failed", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith(str(failed.id))
    assert "rapport.core.tests.test_jobs_worker.needs_fix" in line
    assert "attempts=3" in line
    assert line.endswith("Outage: nightly-export is not fixed")

    out = io.StringIO()
    call_command("tasks", "show", str(failed.id), stdout=out)
    assert "status:    FAILED" in out.getvalue()
    assert "Traceback (most recent call last)" in out.getvalue()

    out = io.StringIO()
    call_command("tasks", "retry", str(failed.id), stdout=out)
    assert out.getvalue().strip() == f"Queued again: {failed.id} (rapport.core.tests.test_jobs_worker.needs_fix)"
    assert DBTaskResult.objects.get(pk=failed.id).status == TaskResultStatus.READY
    record = TaskRetry.objects.get()
    assert (record.actor, record.actor_name, record.via) == (None, "system", "cli")

    with pytest.raises(CommandError, match="Only failed tasks can be retried"):
        call_command("tasks", "retry", str(failed.id), stdout=io.StringIO())
    out = io.StringIO()
    call_command("tasks", "failed", stdout=out)
    assert out.getvalue() == "No failed tasks.\n"
