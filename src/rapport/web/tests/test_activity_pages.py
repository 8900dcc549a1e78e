"""Activity pages: My day, quick add and complete, the form with inline errors, the 360 panel, the bell, My calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.utils import timezone

from rapport.customers import activities
from rapport.customers.models import Activity, CalendarFeed

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def soon(hours: float = 1) -> datetime:
    return timezone.now() + timedelta(hours=hours)


def test_my_day_groups_overdue_today_and_coming_up(client_for, users, zhang):
    rep = users["north_rep"]
    activities.activity_create(
        actor=rep, kind="call", subject="Overdue call", due_at=timezone.now() - timedelta(days=3), contact_id=zhang.pk
    )
    activities.activity_create(actor=rep, kind="task", subject="Due later this week", due_at=timezone.now() + timedelta(days=3))
    activities.activity_create(actor=users["north_rep2"], kind="task", subject="Not mine", due_at=soon())
    page = client_for(rep).get("/").content.decode()
    overdue, rest = page.split('class="card act-group act-overdue"')[1].split("Coming up", 1)
    assert "Overdue call" in overdue and "张伟" in overdue
    assert "Due later this week" in rest
    assert "Not mine" not in page


def test_quick_add_over_htmx_then_complete_and_undo(client_for, users):
    rep = users["north_rep"]
    client = client_for(rep)
    today = timezone.now().astimezone(timezone.get_default_timezone()).date()
    added = client.post("/my-day/add/", {"subject": "Send the brochure", "kind": "task", "due_time": "23:59", "remind": "15"}, **HTMX)
    assert added.status_code == 200
    assert 'id="my-day"' in added.content.decode() and "Send the brochure" in added.content.decode()
    activity = Activity.objects.get()
    assert (activity.owner, activity.kind, activity.reminder_at) == (rep, "task", activity.due_at - timedelta(minutes=15))
    assert activity.due_at.astimezone(timezone.get_default_timezone()).date() >= today - timedelta(days=1)

    done = client.post(f"/activities/{activity.pk}/complete/", {"version": "1"}, **HTMX)
    assert 'class="act-item is-closed"' in done.content.decode()
    activity.refresh_from_db()
    assert (activity.status, activity.version) == ("done", 2)
    undone = client.post(f"/activities/{activity.pk}/reopen/", {"version": "2"}, **HTMX)
    assert "is-closed" not in undone.content.decode()
    stale = client.post(f"/activities/{activity.pk}/complete/", {"version": "1"}, **HTMX)
    assert "Someone changed this activity a moment ago" in stale.content.decode()
    activity.refresh_from_db()
    assert (activity.status, activity.version) == ("open", 3)


def test_quick_add_without_a_subject_shows_the_error_and_adds_nothing(client_for, users):
    response = client_for(users["north_rep"]).post("/my-day/add/", {"subject": " ", "kind": "task"}, **HTMX)
    assert response.status_code == 200
    assert '<div class="field-error" role="alert">This field is required.</div>' in response.content.decode()
    assert Activity.objects.count() == 0


def test_the_form_reads_times_in_the_users_zone_and_shows_inline_errors(client_for, users, zhang):
    rep = users["north_rep"]  # Asia/Shanghai
    client = client_for(rep)
    assert "About" in client.get(f"/activities/new/?contact={zhang.pk}").content.decode()
    form = {"kind": "meeting", "subject": "Lecture", "priority": "normal", "contact_id": str(zhang.pk)}
    bad = client.post("/activities/new/", {**form, "due_at": "2026-03-12T10:00", "ends_at": "2026-03-12T09:00"})
    assert bad.status_code == 422
    assert '<div class="field-error" role="alert">A meeting ends after it starts.</div>' in bad.content.decode()
    assert Activity.objects.count() == 0
    good = client.post(
        "/activities/new/", {**form, "due_at": "2026-03-12T10:00", "ends_at": "2026-03-12T12:00", "next": f"/contacts/{zhang.pk}/"}
    )
    assert (good.status_code, good["Location"]) == (302, f"/contacts/{zhang.pk}/")
    meeting = Activity.objects.get()
    assert (meeting.due_at, meeting.ends_at, meeting.contact) == (
        datetime(2026, 3, 12, 2, 0, tzinfo=UTC),
        datetime(2026, 3, 12, 4, 0, tzinfo=UTC),
        zhang,
    )
    assert (
        client.post("/activities/new/", {**form, "due_at": "2026-03-12T10:00", "next": "https://evil.example/"})["Location"]
        == "/activities/"
    )


def test_a_stale_edit_keeps_what_was_typed(client_for, users):
    rep = users["north_rep"]
    activity = activities.activity_create(actor=rep, kind="task", subject="Original", due_at=soon())
    activities.activity_update(actor=users["manager"], activity=activity, data={"subject": "Manager's"}, expected_version=1)
    client = client_for(rep)
    page = client.get(f"/activities/{activity.pk}/edit/")
    assert page.status_code == 200
    typed = {"version": "1", "kind": "task", "subject": "Mine", "priority": "high", "due_at": "2026-03-12T10:00"}
    response = client.post(f"/activities/{activity.pk}/edit/", typed)
    assert response.status_code == 409
    assert 'value="Mine"' in response.content.decode()
    assert 'name="version" value="2"' in response.content.decode()
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("Manager's", 2)


def test_strangers_get_404_and_nothing_changes(client_for, users):
    activity = activities.activity_create(actor=users["north_rep"], kind="meeting", subject="Private", due_at=soon())
    client = client_for(users["south_rep"])
    for url in ("edit/", "delete/", "ics/"):
        assert client.get(f"/activities/{activity.pk}/{url}").status_code == 404
    for url in ("complete/", "cancel/", "reopen/", "delete/"):
        assert client.post(f"/activities/{activity.pk}/{url}", {"version": "1"}).status_code == 404
    for url in ("/reminders/{}/dismiss/", "/reminders/{}/snooze/"):
        assert client.post(url.format(activity.pk)).status_code == 404
    assert "Private" not in client.get("/activities/?status=").content.decode()
    activity.refresh_from_db()
    assert (activity.status, activity.version, activity.reminder_dismissed_at) == ("open", 1, None)


def test_the_360_panel_lists_open_activities_with_add_links(client_for, users, zhang):
    rep = users["north_rep"]
    activities.activity_create(actor=rep, kind="call", subject="Call Mr Zhang", due_at=soon(), contact_id=zhang.pk)
    client = client_for(rep)
    detail = client.get(f"/contacts/{zhang.pk}/").content.decode()
    assert f'hx-get="/activities/for/contact/{zhang.pk}/"' in detail
    panel = client.get(f"/activities/for/account/{zhang.account_id}/").content.decode()
    assert "Call Mr Zhang" in panel
    assert f"/activities/new/?account={zhang.account_id}&amp;next=/accounts/{zhang.account_id}/" in panel
    assert client_for(users["south_rep"]).get(f"/activities/for/contact/{zhang.pk}/").status_code == 404


def test_the_bell_shows_due_reminders_until_dismissed_or_snoozed(client_for, users):
    rep = users["north_rep"]
    due = activities.activity_create(
        actor=rep, kind="call", subject="Ring Ms Li", due_at=soon(), reminder_at=timezone.now() - timedelta(minutes=1)
    )
    activities.activity_create(actor=rep, kind="task", subject="Later", due_at=soon(5), reminder_at=soon(4))
    client = client_for(rep)
    bell = client.get("/reminders/").content.decode()
    assert "Ring Ms Li" in bell and "Later" not in bell
    assert '<span id="bell-count" class="bell-count" hx-swap-oob="true">1</span>' in bell
    snoozed = client.post(f"/reminders/{due.pk}/snooze/", {"minutes": "10"}).content.decode()
    assert "Ring Ms Li" not in snoozed
    due.refresh_from_db()
    assert timezone.now() + timedelta(minutes=9) < due.reminder_at <= timezone.now() + timedelta(minutes=10)
    activities.activity_update(actor=rep, activity=due, data={"reminder_at": timezone.now() - timedelta(minutes=1)}, expected_version=None)
    assert "Ring Ms Li" in client.get("/reminders/").content.decode()
    dismissed = client.post(f"/reminders/{due.pk}/dismiss/").content.decode()
    assert "Ring Ms Li" not in dismissed and "No reminders due." in dismissed


def test_my_calendar_shows_a_new_address_once_and_can_stop_it(client_for, users):
    rep = users["north_rep"]
    activities.activity_create(actor=rep, kind="call", subject="Call in the feed", due_at=soon())
    client = client_for(rep)
    assert "You have no calendar address yet." in client.get("/my-calendar/").content.decode()
    page = client.post("/my-calendar/", {"action": "issue"}).content.decode()
    url = page.split("data-feed-url", 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert url.startswith("http://testserver/calendar/cal_")
    assert url.removeprefix("http://testserver/calendar/").removesuffix(".ics") not in CalendarFeed.objects.get().key_hash
    assert url not in client.get("/my-calendar/").content.decode()  # shown once
    feed = client.get(url.removeprefix("http://testserver"))
    (event,) = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Call: Call in the feed"
    client.post("/my-calendar/", {"action": "stop"})
    assert CalendarFeed.objects.count() == 0
    assert client.get(url.removeprefix("http://testserver")).status_code == 404


def test_the_list_filters(client_for, users):
    rep = users["north_rep"]
    activities.activity_create(actor=rep, kind="call", subject="A call", due_at=soon())
    done = activities.activity_create(actor=rep, kind="task", subject="A finished task", due_at=soon())
    activities.activity_complete(actor=rep, activity=done)
    client = client_for(rep)
    open_page = client.get("/activities/").content.decode()
    assert "A call" in open_page and "A finished task" not in open_page
    assert "A finished task" in client.get("/activities/?status=done").content.decode()
    assert "A call" not in client.get("/activities/?status=&kind=task").content.decode()
    partial = client.get("/activities/?status=", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    assert partial.startswith('<div id="results"')
    assert "is not one of" in client.get("/activities/?status=late").content.decode()


@pytest.fixture
def busy(users, zhang):
    """Thirty activities of every kind for the manager, linked to a contact, with attendees."""
    manager = users["manager"]
    for i in range(30):
        activities.activity_create(
            actor=manager,
            kind=("task", "call", "meeting")[i % 3],
            subject=f"Work {i}",
            due_at=timezone.now() + timedelta(hours=i - 10),
            contact_id=zhang.pk,
            attendee_ids=[users["north_rep"].pk],
        )


def test_my_day_and_the_list_stay_within_budget(client_for, users, busy, django_assert_max_num_queries):
    client = client_for(users["manager"])
    # session, user, the day's three buckets and done count, interactions, three recent lists with tags and points...
    with django_assert_max_num_queries(13):
        assert client.get("/").status_code == 200
    # session, user, the manager's scope (2), one page of rows
    with django_assert_max_num_queries(6):
        assert client.get("/activities/?status=").status_code == 200
    # session, user, the manager's scope (2), the contact with its tags and points, the open activities
    contact_id = Activity.objects.values_list("contact_id", flat=True).first()
    with django_assert_max_num_queries(8):
        assert client.get(f"/activities/for/contact/{contact_id}/").status_code == 200


def test_pages_in_chinese(client_for, users):
    rep = users["north_rep"]
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    activities.activity_create(actor=rep, kind="call", subject="回访", due_at=soon())
    client = client_for(rep)
    page = client.get("/").content.decode()
    assert "即将到来" in page and "要做什么？" in page and '<span class="badge badge-act-call">' in page
    assert "提醒" in page  # the bell
    bad = client.post(
        "/activities/new/",
        {"kind": "meeting", "subject": "x", "priority": "normal", "due_at": "2026-03-12T10:00", "ends_at": "2026-03-12T09:00"},
    )
    assert "会议的结束时间须晚于开始时间。" in bad.content.decode()
