"""Activity reminders: found by the scheduler, emailed over real SMTP (aiosmtpd on loopback), each once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs.scheduler import Schedule, Scheduler, schedule
from rapport.core.jobs.worker import RapportWorker
from rapport.core.models import OutboundEmail, ScheduleSlot
from rapport.customers import activities
from rapport.customers.models import Activity
from rapport.customers.reminders import activity_send_due_reminders
from rapport.customers.services import contact_create
from rapport.customers.tasks import send_activity_reminders

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)


def run_worker() -> int:
    """Run every ready task in this process, as ``rapport worker`` would; returns how many ran."""
    worker = RapportWorker(
        queue_names=["default"], batch=True, scheduler=Scheduler(worker_id="w", schedule=Schedule()), rng=random.Random(1)
    )
    ran = 0
    while worker.run_once()[0]:
        ran += 1
    return ran


@pytest.fixture
def lecture(users, make_user, teams):
    """Story 1: a product lecture booked by a rep with the pre-sales manager attending, reminded the day before."""
    rep = users["north_rep"]
    rep.email, rep.language = "rep@example.com", "en"
    rep.save(update_fields=["email", "language"])
    presales = make_user("presales", role="sales_manager", team=teams["north"], email="presales@example.com", language="zh-hans")
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "first_name": "Wei"})
    return activities.activity_create(
        actor=rep,
        kind="meeting",
        subject="Product lecture X-200",
        due_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=2),
        location="Hall 3",
        reminder_at=NOW - timedelta(minutes=1),
        contact_id=contact.pk,
        attendee_ids=[presales.pk],
    )


def test_the_periodic_job_is_registered_every_minute():
    job = schedule.jobs["activity-reminders"]
    assert (job.task, job.every) == (send_activity_reminders, timedelta(minutes=1))


def test_a_due_reminder_is_emailed_once_to_everyone_in_their_language(smtp, lecture, django_capture_on_commit_callbacks):
    inbox, _ = smtp
    todo_later = activities.activity_create(
        actor=lecture.owner, kind="task", subject="Not yet", due_at=NOW + timedelta(days=2), reminder_at=NOW + timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert activity_send_due_reminders(now=NOW) == 1
        assert activity_send_due_reminders(now=NOW) == 0  # run again: nothing fires twice
    assert run_worker() == 2

    lecture.refresh_from_db()
    assert lecture.reminded_at == NOW
    todo_later.refresh_from_db()
    assert todo_later.reminded_at is None
    received = {recipients[0]: message for recipients, message in inbox.received}
    assert sorted(received) == ["presales@example.com", "rep@example.com"]
    english = str(make_header(decode_header(received["rep@example.com"]["Subject"])))
    chinese = str(make_header(decode_header(received["presales@example.com"]["Subject"])))
    assert english == "Reminder: Product lecture X-200 (March 12, 2026, 10 a.m.)"  # Shanghai time
    assert chinese.startswith("提醒：Product lecture X-200")
    body = received["rep@example.com"].get_payload(decode=True).decode()
    assert body.splitlines()[:4] == ["Meeting: Product lecture X-200", "Due: March 12, 2026, 10 a.m.", "Where: Hall 3", "With: Wei Zhang"]


def test_two_workers_ticking_the_same_minute_fire_it_once(smtp, lecture, django_capture_on_commit_callbacks):
    inbox, _ = smtp
    jobs = Schedule([schedule.jobs["activity-reminders"]])
    now = timezone.now()
    assert len(Scheduler(worker_id="w1", schedule=jobs).tick(now)) == 1
    assert Scheduler(worker_id="w2", schedule=jobs).tick(now) == []
    assert ScheduleSlot.objects.filter(job="activity-reminders").count() == 1
    # Even if the task itself ran twice (at-least-once delivery), the claim on the row holds.
    with django_capture_on_commit_callbacks(execute=True):
        send_activity_reminders.call()
        send_activity_reminders.call()
    assert run_worker() == 3  # the scheduled run (nothing left to fire) and two emails
    assert sorted(r[0] for r, _ in inbox.received) == ["presales@example.com", "rep@example.com"]
    assert OutboundEmail.objects.count() == 2
    assert DBTaskResult.objects.filter(task_path=send_activity_reminders.module_path).count() == 1


def test_done_cancelled_and_already_reminded_activities_stay_quiet(lecture, users):
    rep = lecture.owner
    activities.activity_complete(actor=rep, activity=lecture)
    cancelled = activities.activity_create(actor=rep, kind="task", subject="c", due_at=NOW, reminder_at=NOW - timedelta(hours=1))
    activities.activity_cancel(actor=rep, activity=cancelled)
    sent = activities.activity_create(actor=rep, kind="task", subject="s", due_at=NOW, reminder_at=NOW - timedelta(hours=1))
    Activity.objects.filter(pk=sent.pk).update(reminded_at=NOW - timedelta(minutes=30))
    assert activity_send_due_reminders(now=NOW) == 0
    assert OutboundEmail.objects.count() == 0


def test_a_user_without_an_email_address_does_not_stop_the_others(users, django_capture_on_commit_callbacks):
    rep = users["north_rep"]  # no email address
    other = users["north_rep2"]
    other.email = "bad\naddress@example.com"
    other.save(update_fields=["email"])
    activities.activity_create(actor=rep, kind="task", subject="a", due_at=NOW, reminder_at=NOW - timedelta(minutes=2))
    activities.activity_create(actor=other, kind="task", subject="b", due_at=NOW, reminder_at=NOW - timedelta(minutes=1))
    assert activity_send_due_reminders(now=NOW) == 2
    assert OutboundEmail.objects.count() == 0
    assert Activity.objects.filter(reminded_at=NOW).count() == 2
