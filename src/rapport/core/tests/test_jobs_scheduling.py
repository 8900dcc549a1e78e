"""The reaper, the scheduler and the queue's housekeeping, in-process."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs.liveness import LOST_WORKER_ERROR, heartbeat_register, process_space, reap_lost_tasks
from rapport.core.jobs.maintenance import prune_finished_tasks
from rapport.core.jobs.retry import retrying
from rapport.core.jobs.scheduler import PeriodicJob, Schedule, Scheduler, schedule
from rapport.core.models import IdempotencyKey, ScheduleSlot, WorkerHeartbeat

pytestmark = pytest.mark.django_db

STALE = timedelta(seconds=30)


@retrying(max_attempts=2)
@task()
def tick(label: str = "") -> str:
    return label


def running_on(worker_id: str, *, attempts: int = 1, started: datetime | None = None) -> DBTaskResult:
    result = tick.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.status = TaskResultStatus.RUNNING
    row.worker_ids = [f"earlier-{i}" for i in range(attempts - 1)] + [worker_id]
    row.started_at = started or timezone.now()
    row.save(update_fields=["status", "worker_ids", "started_at"])
    return row


def heartbeat(
    worker_id: str, *, seen_ago: timedelta, pid: int | None = None, here: bool = False, started_ago: timedelta = timedelta(hours=1)
) -> WorkerHeartbeat:
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname="elsewhere",
        pid=pid or 1,
        process_space=process_space() if here else "other-machine",
        queues="default",
        started_at=now - started_ago,
        last_seen_at=now - seen_ago,
    )


def test_tasks_of_a_silent_worker_go_back_to_the_queue_and_live_workers_keep_theirs():
    heartbeat("silent", seen_ago=timedelta(seconds=31))
    heartbeat("alive", seen_ago=timedelta(seconds=5))
    lost = running_on("silent")
    kept = running_on("alive")

    assert reap_lost_tasks(stale_after=STALE) == [str(lost.pk)]

    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.READY
    assert lost.run_after <= timezone.now()
    assert lost.exception_class_path == LOST_WORKER_ERROR
    assert lost.traceback == "Worker silent stopped while running this task (attempt 1 of 2)."
    assert DBTaskResult.objects.get(pk=kept.pk).status == TaskResultStatus.RUNNING
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


def test_a_task_lost_on_its_last_attempt_fails_with_the_reason():
    heartbeat("silent", seen_ago=timedelta(minutes=5))
    lost = running_on("silent", attempts=2)
    reap_lost_tasks(stale_after=STALE)
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert lost.finished_at is not None
    assert lost.traceback == "Worker silent stopped while running this task (attempt 2 of 2)."


def test_a_dead_worker_process_on_this_machine_is_lost_at_once():
    gone = subprocess.Popen(["true"])
    gone.wait()
    heartbeat("crashed", seen_ago=timedelta(seconds=1), pid=gone.pid, here=True)
    heartbeat("me", seen_ago=timedelta(seconds=1), pid=os.getpid(), here=True)
    lost, mine = running_on("crashed"), running_on("me")
    assert reap_lost_tasks(stale_after=STALE) == [str(lost.pk)]
    assert DBTaskResult.objects.get(pk=mine.pk).status == TaskResultStatus.RUNNING


def test_a_live_worker_process_on_this_machine_keeps_its_task_however_late_its_beats():
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        # Its beats are late (a long SQLite write holds the lock), but the process is there.
        heartbeat("busy", seen_ago=timedelta(minutes=10), pid=sleeper.pid, here=True, started_ago=timedelta(0))
        # This one's pid now belongs to a process that started after the worker did.
        heartbeat("reused-pid", seen_ago=timedelta(seconds=1), pid=sleeper.pid, here=True, started_ago=timedelta(hours=1))
        busy, reused = running_on("busy"), running_on("reused-pid")
        assert reap_lost_tasks(stale_after=STALE) == [str(reused.pk)]
        assert DBTaskResult.objects.get(pk=busy.pk).status == TaskResultStatus.RUNNING
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_task_whose_worker_left_no_heartbeat_is_lost_only_after_the_limit():
    recent = running_on("unknown-1", started=timezone.now() - timedelta(seconds=5))
    old = running_on("unknown-2", started=timezone.now() - timedelta(minutes=2))
    assert reap_lost_tasks(stale_after=STALE) == [str(old.pk)]
    assert DBTaskResult.objects.get(pk=recent.pk).status == TaskResultStatus.RUNNING


def test_a_worker_registers_its_heartbeat_with_its_process():
    beat = heartbeat_register(worker_id="w1", queues="default,mail")
    assert (beat.pid, beat.queues, beat.process_space) == (os.getpid(), "default,mail", process_space())
    assert beat.last_seen_at == beat.started_at


def test_each_slot_fires_once_however_many_workers_tick():
    every_minute = Schedule([PeriodicJob(name="minutely", task=tick, every=timedelta(minutes=1), kwargs={"label": "m"})])
    first, second = Scheduler(worker_id="w1", schedule=every_minute), Scheduler(worker_id="w2", schedule=every_minute)
    at = datetime(2026, 3, 1, 9, 30, 20, tzinfo=UTC)

    fired = first.tick(at)
    assert [(s.job, s.slot, s.claimed_by) for s in fired] == [("minutely", datetime(2026, 3, 1, 9, 30, tzinfo=UTC), "w1")]
    assert second.tick(at + timedelta(seconds=10)) == []
    assert first.tick(at + timedelta(seconds=20)) == []
    later = second.tick(at + timedelta(seconds=45))
    assert [(s.slot, s.claimed_by) for s in later] == [(datetime(2026, 3, 1, 9, 31, tzinfo=UTC), "w2")]

    slots = list(ScheduleSlot.objects.order_by("slot"))
    assert len(slots) == 2
    results = DBTaskResult.objects.filter(task_path=tick.module_path)
    assert sorted(str(r.pk) for r in results) == sorted(str(s.task_result_id) for s in slots)
    assert {r.args_kwargs["kwargs"]["label"] for r in results} == {"m"}


def test_daily_slots_follow_the_installation_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    job = PeriodicJob(name="nightly", task=tick, daily_at=time(3, 30))
    # 20:00 UTC is 04:00 the next day in Shanghai: that day's 03:30 has passed.
    assert job.current_slot(datetime(2026, 3, 1, 20, 0, tzinfo=UTC)) == datetime(2026, 3, 1, 19, 30, tzinfo=UTC)
    # 18:00 UTC is 02:00 in Shanghai: the slot is still the day before's.
    assert job.current_slot(datetime(2026, 3, 1, 18, 0, tzinfo=UTC)) == datetime(2026, 2, 28, 19, 30, tzinfo=UTC)


def test_periodic_jobs_are_defined_with_one_cadence_and_unique_names():
    with pytest.raises(ValueError, match="either every= or daily_at="):
        PeriodicJob(name="both", task=tick, every=timedelta(minutes=1), daily_at=time(1, 0))
    with pytest.raises(ValueError, match="at least one second"):
        PeriodicJob(name="fast", task=tick, every=timedelta(milliseconds=10))
    registry = Schedule([PeriodicJob(name="a", task=tick, every=timedelta(minutes=1))])
    with pytest.raises(ValueError, match="Two periodic jobs are named 'a'"):
        registry.register(PeriodicJob(name="a", task=tick, every=timedelta(minutes=2)))
    assert "prune-finished-tasks" in schedule.jobs


def test_pruning_keeps_recent_results_and_failed_ones_administrators_may_still_need(settings):
    settings.RAPPORT_TASK_RESULT_DAYS, settings.RAPPORT_FAILED_TASK_DAYS = 14, 90
    now = timezone.now()

    def finished(status: str, days_ago: int) -> str:
        result = tick.enqueue()
        DBTaskResult.objects.filter(pk=result.id).update(status=status, finished_at=now - timedelta(days=days_ago))
        return str(result.id)

    old_ok, new_ok = finished(TaskResultStatus.SUCCESSFUL, 15), finished(TaskResultStatus.SUCCESSFUL, 13)
    old_failed, young_failed = finished(TaskResultStatus.FAILED, 91), finished(TaskResultStatus.FAILED, 30)
    ScheduleSlot.objects.create(job="x", slot=now - timedelta(days=8), claimed_by="w")
    ScheduleSlot.objects.create(job="x", slot=now - timedelta(days=1), claimed_by="w")
    IdempotencyKey.objects.create(key="old", created_at=now - timedelta(days=31))
    IdempotencyKey.objects.create(key="new")
    heartbeat("gone", seen_ago=timedelta(days=2))
    heartbeat("here", seen_ago=timedelta(seconds=1))

    counts = prune_finished_tasks.call()

    assert counts == {"successful": 1, "failed": 1, "slots": 1, "idempotency_keys": 1, "heartbeats": 1}
    assert set(DBTaskResult.objects.values_list("pk", flat=True).filter(pk__in=[old_ok, new_ok, old_failed, young_failed])) == {
        DBTaskResult.objects.get(pk=new_ok).pk,
        DBTaskResult.objects.get(pk=young_failed).pk,
    }
    assert ScheduleSlot.objects.count() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["here"]
    assert prune_finished_tasks.call() == {"successful": 0, "failed": 0, "slots": 0, "idempotency_keys": 0, "heartbeats": 0}
