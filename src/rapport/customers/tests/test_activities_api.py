"""Activities over REST: create, list with filters and keyset pages, complete, .ics, the calendar feed link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.test import Client

from rapport.customers import activities
from rapport.customers.models import Activity
from rapport.customers.services import contact_create

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)


def test_create_get_update_and_complete(users, api_for):
    rep = users["north_rep"]
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "first_name": "Wei"})
    api = api_for(rep)
    created = api.post(
        "/api/v1/activities",
        {
            "kind": "call",
            "subject": "Call about the X-200",
            "due_at": "2026-03-12T10:00:00+08:00",
            "reminder_at": "2026-03-12T09:45:00+08:00",
            "contact_id": contact.pk,
            "concerns": "sales.opportunity:12",
            "attendee_ids": [users["manager"].pk],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("kind", "status", "version", "due_at", "owner_id", "contact_id", "attendee_ids", "concerns")} == {
        "kind": "call",
        "status": "open",
        "version": 1,
        "due_at": "2026-03-12T02:00:00Z",
        "owner_id": rep.pk,
        "contact_id": contact.pk,
        "attendee_ids": [users["manager"].pk],
        "concerns": "sales.opportunity:12",
    }
    url = f"/api/v1/activities/{body['id']}"
    assert api.get(url).json() == body
    patched = api.patch(url, {"priority": "high"}, headers={"If-Match": '"1"'})
    assert (patched.status_code, patched.json()["priority"], patched.json()["version"]) == (200, "high", 2)
    stale = api.patch(url, {"priority": "low", "version": 1})
    assert stale.status_code == 409
    done = api.post(f"{url}/complete", {"outcome": "Wants a quote", "log_interaction": True, "version": 2})
    assert (done.status_code, done.json()["status"], done.json()["version"]) == (200, "done", 3)
    timeline = api.get("/api/v1/interactions", {"contact_id": contact.pk}).json()["items"]
    assert [(i["subject"], i["body"], i["channel"]) for i in timeline] == [("Call about the X-200", "Wants a quote", "phone")]
    again = api.post(f"{url}/complete", {})
    assert (again.status_code, again.json()["errors"]) == (422, {"status": ["This activity is already done."]})
    assert api.post(f"{url}/reopen", {}).json()["status"] == "open"
    assert api.post(f"{url}/cancel", {}).json()["status"] == "cancelled"
    assert api.delete(url).status_code == 204
    assert Activity.objects.count() == 0


def test_bad_input_is_a_422_naming_each_field(users, api_for):
    response = api_for(users["north_rep"]).post("/api/v1/activities", {"kind": "lunch", "due_at": "2026-03-12T10:00:00"})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "subject": ["This field is required."],
        "kind": ["'lunch' is not one of: task, call, meeting."],
        "due_at": ["Give a time zone (e.g. 2026-03-12T10:00:00+08:00)."],
    }
    assert Activity.objects.count() == 0


def test_list_filters_and_keyset_pages(users, api_for):
    rep = users["north_rep"]
    contact = contact_create(actor=rep, data={"last_name": "Li"})
    for i in range(5):
        activities.activity_create(actor=rep, kind="task", subject=f"T{i}", due_at=DUE + timedelta(days=i))
    call = activities.activity_create(actor=rep, kind="call", subject="C", due_at=DUE + timedelta(hours=1), contact_id=contact.pk)
    activities.activity_create(actor=users["south_rep"], kind="task", subject="Hidden", due_at=DUE)
    api = api_for(rep)

    first = api.get("/api/v1/activities", {"limit": 3}).json()
    second = api.get("/api/v1/activities", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [a["subject"] for a in first["items"] + second["items"]] == ["T0", "C", "T1", "T2", "T3", "T4"]
    assert second["next_cursor"] is None

    def subjects(**params):
        response = api.get("/api/v1/activities", params)
        assert response.status_code == 200, response.content
        return [a["subject"] for a in response.json()["items"]]

    assert subjects(kind="call") == ["C"]
    assert subjects(contact_id=contact.pk) == ["C"]
    assert subjects(due_after="2026-03-13", due_before="2026-03-15") == ["T1", "T2"]  # days in Shanghai
    assert subjects(due_after="2026-03-14T02:00:00Z") == ["T2", "T3", "T4"]
    assert subjects(sort="-due_at", limit=2) == ["T4", "T3"]
    activities.activity_complete(actor=rep, activity=call)
    assert subjects(status="done") == ["C"]
    bad = api.get("/api/v1/activities", {"status": "late", "due_after": "soon"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == {
        "status": ["'late' is not one of: open, done, cancelled."],
        "due_after": ["'soon' is not a date (YYYY-MM-DD) or a date and time with a time zone."],
    }


def test_list_stays_within_its_query_budget(users, api_for, django_assert_max_num_queries):
    rep = users["manager"]
    contact = contact_create(actor=rep, data={"last_name": "Li"})
    for i in range(30):
        activities.activity_create(
            actor=rep, kind="meeting", subject=f"M{i}", due_at=DUE + timedelta(hours=i), contact_id=contact.pk, attendee_ids=[rep.pk]
        )
    api = api_for(rep)
    # token, user, the manager's scope (2), the page, its attendees
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/activities", {"limit": 50}).json()["items"]) == 30


def test_a_meeting_as_ics_parses_back(users, api_for):
    rep = users["north_rep"]
    rep.email = "rep@example.com"
    rep.save(update_fields=["email"])
    presales = users["manager"]
    presales.email = "presales@example.com"
    presales.save(update_fields=["email"])
    contact = contact_create(actor=rep, data={"last_name": "Zhang", "first_name": "Wei"})
    meeting = activities.activity_create(
        actor=rep,
        kind="meeting",
        subject="Product lecture; X-200, part 1",
        details="Bring samples\nand the price list",
        due_at=DUE,
        ends_at=DUE + timedelta(hours=2),
        reminder_at=DUE - timedelta(days=1),
        location="Hall 3, Pudong",
        contact_id=contact.pk,
        attendee_ids=[presales.pk],
    )
    response = api_for(rep).get(f"/api/v1/activities/{meeting.pk}/ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(event["UID"]) == f"rapport-activity-{meeting.pk}@rapport"
    assert str(event["SUMMARY"]) == "Product lecture; X-200, part 1"
    assert str(event["LOCATION"]) == "Hall 3, Pudong"
    assert str(event["DESCRIPTION"]) == "Wei Zhang\n\nBring samples\nand the price list"
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (DUE, DUE + timedelta(hours=2))
    assert int(event["SEQUENCE"]) == 1
    assert str(event["ORGANIZER"]) == "mailto:rep@example.com"
    assert [str(a) for a in [event["ATTENDEE"]]] == ["mailto:presales@example.com"]
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(days=-1)


def test_the_calendar_feed_is_secret_and_a_new_link_replaces_the_old(users, api_for):
    rep = users["north_rep"]
    api = api_for(rep)
    mine = activities.activity_create(actor=rep, kind="call", subject="Mine", due_at=DUE)
    other = users["south_rep"]
    invited = activities.activity_create(actor=other, kind="meeting", subject="Invited", due_at=DUE, attendee_ids=[rep.pk])
    activities.activity_create(actor=other, kind="meeting", subject="Not mine", due_at=DUE)
    activities.activity_create(actor=rep, kind="task", subject="Long ago", due_at=DUE - timedelta(days=400))

    issued = api.post("/api/v1/calendar-feed")
    assert issued.status_code == 201
    url = issued.json()["url"]
    assert url.startswith("http://testserver/calendar/cal_") and url.endswith(".ics")
    path = url.removeprefix("http://testserver")
    anonymous = Client()
    with pytest.MonkeyPatch.context() as patch:
        # The feed's window is relative to now; put now next to the fixed due dates.
        patch.setattr("rapport.customers.activity_selectors.timezone.now", lambda: DUE)
        feed = anonymous.get(path)
    assert feed.status_code == 200
    uids = sorted(str(e["UID"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT"))
    assert uids == sorted(f"rapport-activity-{a.pk}@rapport" for a in (mine, invited))

    assert anonymous.get(path.replace("cal_", "cal_x")).status_code == 404
    assert anonymous.get("/calendar/nonsense.ics").status_code == 404
    renewed = api.post("/api/v1/calendar-feed").json()["url"].removeprefix("http://testserver")
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(renewed).status_code == 200
    assert api.delete("/api/v1/calendar-feed").status_code == 204
    assert anonymous.get(renewed).status_code == 404
