"""Activity services and selectors: who may do what, validation, status changes, My day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rapport.common import events
from rapport.common.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.customers import activities
from rapport.customers.activity_selectors import activities_for_record, activity_get_for_user, activity_list_for_user, my_day
from rapport.customers.events import ActivityCompleted, ActivityCreated
from rapport.customers.models import Activity, ActivityStatus, Channel, Interaction
from rapport.customers.services import account_create, contact_create

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def todo(actor, **kw):
    return activities.activity_create(
        actor=actor, kind=kw.pop("kind", "task"), subject=kw.pop("subject", "Follow up"), due_at=kw.pop("due_at", DUE), **kw
    )


def test_create_audits_and_announces_after_commit(users, django_capture_on_commit_callbacks):
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "Shanghai Tools"})
    got: list[object] = []
    events.subscribe(ActivityCreated)(got.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            activity = todo(rep, kind="call", account_id=account.pk, concerns="sales.opportunity:12", reminder_at=DUE - timedelta(days=1))
    finally:
        events.unsubscribe(ActivityCreated, got.append)
    assert (activity.owner, activity.team, activity.created_by, activity.status, activity.version) == (rep, rep.team, rep, "open", 1)
    assert got == [ActivityCreated(activity.pk, "call", rep.pk, rep.pk, "sales.opportunity:12", "web")]
    entry = AuditEntry.objects.get(record_type="customers.activity", record_id=activity.pk)
    assert (entry.action, entry.changes["subject"], entry.changes["account_id"]) == ("create", [None, "Follow up"], [None, account.pk])


def test_a_personal_todo_needs_no_customer(users):
    activity = todo(users["marketer"], subject="Book the hall")
    assert (activity.account_id, activity.contact_id, activity.lead_id) == (None, None, None)


def test_validation_names_every_wrong_field_and_writes_nothing(users):
    with pytest.raises(ValidationFailed) as error:
        activities.activity_create(
            actor=users["north_rep"],
            kind="party",
            subject=" ",
            due_at=datetime(2026, 3, 12, 10, 0),  # naive on purpose
            priority="urgent",
            concerns="opportunity 12",
            attendee_ids=[999999],
        )
    assert error.value.field_errors == {
        "subject": ["This field is required."],
        "concerns": ["Name the record as app.model:id, e.g. sales.opportunity:12."],
        "kind": ["'party' is not one of: task, call, meeting."],
        "priority": ["'urgent' is not one of: low, normal, high."],
        "due_at": ["Give a time zone (e.g. 2026-03-12T10:00:00+08:00)."],
        "attendee_ids": ["No such user: 999999."],
    }
    assert Activity.objects.count() == 0


def test_a_meeting_ends_after_it_starts_and_links_must_be_visible(users):
    hidden = account_create(actor=users["south_rep"], data={"name": "Not yours"})
    with pytest.raises(ValidationFailed) as error:
        todo(users["north_rep"], kind="meeting", ends_at=DUE - timedelta(minutes=1), account_id=hidden.pk)
    assert error.value.field_errors == {"ends_at": ["A meeting ends after it starts."], "account_id": [f"No such record: {hidden.pk}."]}


def test_work_is_handed_only_to_people_who_can_see_the_customer(users):
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "Shanghai Tools"})
    with pytest.raises(ValidationFailed) as error:
        todo(rep, account_id=account.pk, owner=users["south_rep"])
    assert error.value.field_errors == {"owner_id": ["south_rep may not see account “Shanghai Tools”."]}
    with pytest.raises(ValidationFailed) as error:
        todo(rep, account_id=account.pk, attendee_ids=[users["south_rep"].pk])
    assert error.value.field_errors == {"attendee_ids": ["south_rep may not see account “Shanghai Tools”."]}
    handed = todo(rep, account_id=account.pk, owner=users["manager"])
    assert (handed.owner, handed.team, handed.created_by) == (users["manager"], users["manager"].team, rep)
    assert Activity.objects.count() == 1


def test_visibility_owner_managers_team_attendees_not_strangers(users):
    rep = users["north_rep"]
    mine = todo(rep, subject="Mine")
    shared = todo(rep, subject="Shared", shared_with_team=True)
    meeting = todo(users["south_rep"], kind="meeting", subject="Invited", attendee_ids=[users["agent"].pk])

    def seen(user):
        return sorted(a.subject for a in activity_list_for_user(user=user))

    assert seen(rep) == ["Mine", "Shared"]
    assert seen(users["manager"]) == ["Mine", "Shared"]
    assert seen(users["north_rep2"]) == ["Shared"]
    assert seen(users["south_rep"]) == ["Invited"]
    assert seen(users["agent"]) == ["Invited"]  # sees every customer, not everyone's work
    assert seen(users["marketer"]) == []
    assert seen(users["admin"]) == ["Invited", "Mine", "Shared"]
    with pytest.raises(NotFound):
        activity_get_for_user(user=users["south_rep"], activity_id=mine.pk)
    assert activity_get_for_user(user=users["agent"], activity_id=meeting.pk) == meeting
    assert shared.pk


def test_who_may_change_it(users):
    rep = users["north_rep"]
    activity = todo(rep, shared_with_team=True, attendee_ids=[users["agent"].pk])
    for outsider in (users["agent"], users["analyst"], users["south_rep"]):
        with pytest.raises(PermissionDenied):
            activities.activity_update(actor=outsider, activity=activity, data={"subject": "Hacked"}, expected_version=1)
    activities.activity_update(actor=users["north_rep2"], activity=activity, data={"subject": "Team"}, expected_version=1)
    activities.activity_update(actor=users["manager"], activity=activity, data={"priority": "high"}, expected_version=2)
    activity.refresh_from_db()
    assert (activity.subject, activity.priority, activity.version) == ("Team", "high", 3)


def test_update_checks_the_version_and_writes_nothing_when_stale(users):
    rep = users["north_rep"]
    activity = todo(rep)
    activities.activity_update(actor=rep, activity=activity, data={"subject": "First"}, expected_version=1)
    with pytest.raises(StaleVersion) as error:
        activities.activity_update(actor=rep, activity=activity, data={"subject": "Second"}, expected_version=1)
    assert error.value.current_version == 2
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("First", 2)


def test_a_new_reminder_time_fires_again_and_server_fields_are_refused(users):
    rep = users["north_rep"]
    activity = todo(rep, reminder_at=DUE - timedelta(hours=1))
    Activity.objects.filter(pk=activity.pk).update(reminded_at=DUE, reminder_dismissed_at=DUE)
    with pytest.raises(ValidationFailed) as error:
        activities.activity_update(actor=rep, activity=activity, data={"status": "done", "bogus": 1}, expected_version=None)
    assert error.value.field_errors == {"status": ["This field is set by the server and cannot be changed."], "bogus": ["Unknown field."]}
    updated = activities.activity_update(
        actor=rep, activity=activity, data={"reminder_at": DUE - timedelta(minutes=10)}, expected_version=1
    )
    assert (updated.reminder_at, updated.reminded_at, updated.reminder_dismissed_at) == (DUE - timedelta(minutes=10), None, None)


def test_complete_a_call_logs_it_on_the_timeline(users, django_capture_on_commit_callbacks):
    rep = users["north_rep"]
    contact = contact_create(actor=rep, data={"last_name": "Zhang"})
    call = todo(rep, kind="call", subject="Call Mr Zhang", contact_id=contact.pk, concerns="sales.opportunity:7")
    got: list[object] = []
    events.subscribe(ActivityCompleted)(got.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            done = activities.activity_complete(actor=rep, activity=call, expected_version=1, outcome="Wants a quote", log_interaction=True)
    finally:
        events.unsubscribe(ActivityCompleted, got.append)
    interaction = Interaction.objects.get()
    assert (done.status, done.version, done.completed_at is not None) == ("done", 2, True)
    assert (interaction.channel, interaction.subject, interaction.body, interaction.contact, interaction.concerns) == (
        Channel.PHONE,
        "Call Mr Zhang",
        "Wants a quote",
        contact,
        "sales.opportunity:7",
    )
    assert got == [ActivityCompleted(call.pk, "call", rep.pk, rep.pk, "sales.opportunity:7", interaction.pk)]
    with pytest.raises(ValidationFailed) as error:
        activities.activity_complete(actor=rep, activity=call)
    assert error.value.field_errors == {"status": ["This activity is already done."]}


def test_complete_refuses_timeline_logging_for_todos_and_stale_versions(users):
    rep = users["north_rep"]
    task = todo(rep)
    with pytest.raises(ValidationFailed) as error:
        activities.activity_complete(actor=rep, activity=task, log_interaction=True)
    assert error.value.field_errors == {"log_interaction": ["Only calls and meetings go on the timeline."]}
    with pytest.raises(StaleVersion):
        activities.activity_complete(actor=rep, activity=task, expected_version=5)
    task.refresh_from_db()
    assert (task.status, task.completed_at, task.version) == ("open", None, 1)
    assert Interaction.objects.count() == 0


def test_cancel_reopen_and_delete(users):
    rep = users["north_rep"]
    task = todo(rep)
    cancelled = activities.activity_cancel(actor=rep, activity=task, expected_version=1)
    assert (cancelled.status, cancelled.version) == (ActivityStatus.CANCELLED, 2)
    reopened = activities.activity_reopen(actor=rep, activity=cancelled, expected_version=2)
    assert (reopened.status, reopened.completed_at, reopened.version) == ("open", None, 3)
    with pytest.raises(PermissionDenied):
        activities.activity_delete(actor=users["south_rep"], activity=reopened)
    activities.activity_delete(actor=rep, activity=reopened, expected_version=3)
    assert Activity.objects.count() == 0
    assert list(AuditEntry.objects.filter(record_type="customers.activity").values_list("action", flat=True)) == [
        "delete",
        "update",
        "update",
        "create",
    ]


def test_my_day_buckets_follow_the_users_time_zone(users):
    rep = users["north_rep"]  # Asia/Shanghai, UTC+8
    now = datetime(2026, 3, 12, 1, 0, tzinfo=UTC)  # 09:00 on 12 March in Shanghai

    def at(day, hour):
        return datetime(2026, 3, day, hour, 0, tzinfo=UTC)

    overdue = todo(rep, subject="Yesterday", due_at=at(11, 15))  # 23:00 on the 11th in Shanghai
    early = todo(rep, subject="Late last night UTC", due_at=at(11, 16))  # 00:00 on the 12th in Shanghai: today
    later = todo(rep, subject="This afternoon", due_at=at(12, 7))
    tomorrow = todo(rep, subject="Tomorrow", due_at=at(12, 16))
    todo(rep, subject="In two weeks", due_at=at(26, 2))
    done = todo(rep, subject="Done already", due_at=at(12, 2))
    activities.activity_complete(actor=rep, activity=done)
    todo(users["north_rep2"], subject="Someone else's", due_at=at(12, 2))

    day = my_day(user=rep, now=now)
    assert day.on == date(2026, 3, 12)
    assert (day.overdue, day.today, day.upcoming) == ([overdue], [early, later], [tomorrow])
    assert (day.open_count, day.done_today) == (3, 0)  # completed "now" (real time), not on the 12th
    assert my_day(user=rep, on=date(2026, 3, 13), now=now).today == [tomorrow]


def test_activities_for_an_account_include_its_contacts(users):
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "Shanghai Tools"})
    contact = contact_create(actor=rep, data={"last_name": "Li", "account_id": account.pk})
    on_account = todo(rep, account_id=account.pk, due_at=DUE + timedelta(hours=1))
    on_contact = todo(rep, contact_id=contact.pk)
    closed = todo(rep, account_id=account.pk)
    activities.activity_cancel(actor=rep, activity=closed)
    assert activities_for_record(user=rep, account=account) == [on_contact, on_account]
    assert activities_for_record(user=rep, contact=contact) == [on_contact]
    assert activities_for_record(user=users["south_rep"], account=account) == []
