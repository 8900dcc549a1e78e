"""Cases: opened on a visible account, due by their priority, worked to an answer on the customer's timeline;
seen by who sees the account; the API and the pages name each bad field and lose nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.common.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from rapport.customers.models import Channel, Interaction
from rapport.service.cases import case_close, case_get_for_user, case_list_for_user, case_open, case_reopen, case_resolve, case_update
from rapport.service.models import Case


@pytest.fixture
def complaint(users, zhang):
    return case_open(
        actor=users["agent"],
        data={
            "subject": "X-200 rattles",
            "account_id": zhang["account"].pk,
            "contact_id": zhang["contact"].pk,
            "kind": "complaint",
            "priority": "high",
            "description": "Bought on 12 March; rattles when warm.",
        },
    )


def test_a_case_is_numbered_due_by_its_priority_and_noted_on_the_timeline(users, zhang, complaint):
    assert complaint.number == f"CS-{complaint.pk:06d}"
    assert (complaint.owner, complaint.status, complaint.channel) == (users["agent"], "open", "phone")
    assert abs((complaint.due_at - complaint.created_at) - dt.timedelta(days=1)) < dt.timedelta(seconds=1)
    note = Interaction.objects.get(concerns=f"service.case:{complaint.pk}")
    assert (note.channel, note.account_id, note.subject) == (
        Channel.SYSTEM,
        zhang["account"].pk,
        f"Case {complaint.number} opened: X-200 rattles",
    )


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"subject": ""}, {"subject", "account_id"}),
        ({"subject": "x", "account_id": "abc"}, {"account_id"}),
        (
            {"subject": "x", "account_id": 1, "kind": "rant", "priority": "asap", "channel": "pigeon"},
            {"account_id", "kind", "priority", "channel"},
        ),
        ({"subject": "x", "account_id": 1, "status": "resolved", "owner_id": 3}, {"account_id", "status", "owner_id"}),
    ],
)
def test_bad_input_names_each_field_and_stores_nothing(users, data, fields):
    with pytest.raises(ValidationFailed) as caught:
        case_open(actor=users["agent"], data=data)
    assert set(caught.value.field_errors) == fields
    assert not Case.objects.exists()


def test_the_contact_must_belong_to_the_account_and_the_product_exist(users, zhang):
    from rapport.customers.services import contact_create

    stranger = contact_create(actor=users["agent"], data={"last_name": "Wu"})
    with pytest.raises(ValidationFailed) as caught:
        case_open(
            actor=users["agent"],
            data={"subject": "x", "account_id": zhang["account"].pk, "contact_id": stranger.pk, "product_id": 999999},
        )
    assert caught.value.field_errors == {
        "contact_id": ["Choose a contact of the case's account."],
        "product_id": ["No such product: 999999."],
    }


def test_the_accounts_rep_sees_the_agents_case_and_other_reps_do_not(users, complaint):
    assert case_get_for_user(user=users["north_rep"], case_id=complaint.pk) == complaint
    assert case_get_for_user(user=users["manager"], case_id=complaint.pk) == complaint
    for stranger in ("south_rep", "north_rep2"):
        with pytest.raises(NotFound):
            case_get_for_user(user=users[stranger], case_id=complaint.pk)
        assert not case_list_for_user(user=users[stranger]).exists()


def test_readers_may_not_open_or_change_cases(users, zhang, complaint):
    with pytest.raises(PermissionDenied):
        case_open(actor=users["marketer"], data={"subject": "x", "account_id": zhang["account"].pk})
    with pytest.raises(PermissionDenied):
        case_update(actor=users["analyst"], case=complaint, data={"priority": "low"}, expected_version=None)


def test_a_new_priority_moves_the_due_time_from_the_opening(users, complaint):
    case_update(actor=users["north_rep"], case=complaint, data={"priority": "urgent", "status": "waiting"}, expected_version=1)
    complaint.refresh_from_db()
    assert (complaint.priority, complaint.status, complaint.version) == ("urgent", "waiting", 2)
    assert abs((complaint.due_at - complaint.created_at) - dt.timedelta(hours=4)) < dt.timedelta(seconds=1)
    with pytest.raises(StaleVersion):
        case_update(actor=users["agent"], case=complaint, data={"priority": "low"}, expected_version=1)
    with pytest.raises(ValidationFailed) as caught:
        case_update(actor=users["agent"], case=complaint, data={"status": "resolved"}, expected_version=None)
    assert set(caught.value.field_errors) == {"status"}


def test_resolve_close_and_reopen(users, zhang, complaint):
    with pytest.raises(ValidationFailed) as caught:
        case_resolve(actor=users["agent"], case=complaint, resolution="  ")
    assert set(caught.value.field_errors) == {"resolution"}
    with pytest.raises(Conflict):
        case_close(actor=users["agent"], case=complaint)
    case_resolve(actor=users["agent"], case=complaint, resolution="Replaced the fan; tested for an hour.")
    assert (complaint.status, complaint.resolved_at is not None) == ("resolved", True)
    note = Interaction.objects.filter(concerns=f"service.case:{complaint.pk}").order_by("-id").first()
    assert note is not None and note.body == "Replaced the fan; tested for an hour."
    with pytest.raises(Conflict):
        case_resolve(actor=users["agent"], case=complaint, resolution="again")
    case_close(actor=users["agent"], case=complaint)
    assert complaint.status == "closed"
    case_reopen(actor=users["agent"], case=complaint)
    assert (complaint.status, complaint.resolved_at) == ("open", None)
    assert complaint.due_at > timezone.now() + dt.timedelta(hours=23)


# -- the API --------------------------------------------------------------------------------


def test_the_api_opens_lists_and_works_a_case(users, zhang, api_for):
    api = api_for(users["agent"])
    created = api.post("/api/v1/cases", {"subject": "Invoice wrong", "account_id": zhang["account"].pk, "priority": "urgent"})
    assert created.status_code == 201, created.content
    case = created.json()
    assert (case["status"], case["overdue"], case["owner_id"]) == ("open", False, users["agent"].pk)
    Case.objects.filter(pk=case["id"]).update(due_at=timezone.now() - dt.timedelta(hours=1))
    overdue = api.get("/api/v1/cases?overdue=true").json()["items"]
    assert [c["id"] for c in overdue] == [case["id"]] and overdue[0]["overdue"] is True
    assert api.get("/api/v1/cases?status=resolved").json()["items"] == []
    assert api.patch(f"/api/v1/cases/{case['id']}", {"priority": "low", "version": 7}).status_code == 409
    stale = api.patch(f"/api/v1/cases/{case['id']}", {"priority": "low"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    resolved = api.post(f"/api/v1/cases/{case['id']}/resolve", {"resolution": "Credit note sent."})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert api.post(f"/api/v1/cases/{case['id']}/resolve", {"resolution": "x"}).status_code == 409
    assert api.post(f"/api/v1/cases/{case['id']}/close", {}).json()["status"] == "closed"


def test_the_api_names_bad_fields_and_hides_other_reps_cases(users, zhang, complaint, api_for):
    api = api_for(users["agent"])
    bad = api.post("/api/v1/cases", {"subject": "x", "account_id": zhang["account"].pk, "kind": "rant"})
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]
    assert api.get("/api/v1/cases?status=later").status_code == 422
    assert api.get("/api/v1/cases?status=later").json()["errors"] == {"status": ["Choose one of open, waiting, resolved, closed, all."]}
    stranger = api_for(users["south_rep"])
    assert stranger.get(f"/api/v1/cases/{complaint.pk}").status_code == 404
    assert stranger.get("/api/v1/cases").json()["items"] == []


def test_the_queue_lists_in_a_fixed_number_of_queries(users, zhang, api_for, client_for, django_assert_max_num_queries):
    for n in range(12):
        case_open(actor=users["agent"], data={"subject": f"Question {n}", "account_id": zhang["account"].pk})
    api = api_for(users["north_rep"])
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/cases?limit=50").json()["items"]) == 12
    client = client_for(users["north_rep"])
    with django_assert_max_num_queries(14):
        page = client.get("/service/cases/")
    assert page.status_code == 200 and page.content.decode().count("Question ") == 12


# -- the pages ------------------------------------------------------------------------------


def test_a_case_opened_from_the_screen_pop_has_the_caller_filled_in(users, zhang, client_for):
    client = client_for(users["agent"])
    card = client.get("/service/calls/", {"number": "13800138000"}).content.decode()
    assert f"/service/cases/new/?contact={zhang['contact'].pk}" in card
    form = client.get(f"/service/cases/new/?contact={zhang['contact'].pk}").context["form"]
    assert (form.initial["account_id"], form.initial["contact_id"]) == (zhang["account"].pk, zhang["contact"].pk)
    response = client.post(
        "/service/cases/new/",
        {
            "subject": "",
            "account_id": zhang["account"].pk,
            "contact_id": zhang["contact"].pk,
            "kind": "complaint",
            "priority": "high",
            "channel": "phone",
        },
    )
    assert response.status_code == 422 and set(response.context["form"].errors) == {"subject"}
    assert not Case.objects.exists()
    response = client.post(
        "/service/cases/new/",
        {
            "subject": "Rattles",
            "account_id": zhang["account"].pk,
            "contact_id": zhang["contact"].pk,
            "kind": "complaint",
            "priority": "high",
            "channel": "phone",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/service/cases/{case.pk}/"
    card = client.get("/service/calls/", {"number": "13800138000"}).content.decode()
    assert "data-open-cases" in card and "Rattles" in card


def test_the_case_page_resolves_and_marks_a_breach(users, complaint, client_for):
    Case.objects.filter(pk=complaint.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    client = client_for(users["agent"])
    page = client.get(f"/service/cases/{complaint.pk}/").content.decode()
    assert "data-breached" in page and "data-resolve-form" in page
    listed = client.get("/service/cases/").content.decode()
    assert "data-overdue" in listed
    # The screen pop and the account's 360 page mark it too.
    assert "data-overdue" in client.get("/service/calls/", {"number": "+86 138 0013 8000"}).content.decode()
    assert "data-overdue" in client.get(f"/service/accounts/{complaint.account_id}/cases/").content.decode()
    empty = client.post(f"/service/cases/{complaint.pk}/resolve/", {"resolution": "", "version": complaint.version})
    assert empty.status_code == 422 and "field-error" in empty.content.decode()
    done = client.post(f"/service/cases/{complaint.pk}/resolve/", {"resolution": "Fan replaced.", "version": complaint.version})
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    stale = client.post(f"/service/cases/{complaint.pk}/status/", {"action": "close", "version": 1})
    assert stale.status_code == 409 and "Someone else changed this case" in stale.content.decode()
    closed = client.post(f"/service/cases/{complaint.pk}/status/", {"action": "close", "version": complaint.version})
    assert closed.status_code == 302
    assert client_for(users["south_rep"]).get(f"/service/cases/{complaint.pk}/").status_code == 404


def test_a_bad_filter_is_named_on_the_list(users, client_for):
    response = client_for(users["agent"]).get("/service/cases/", {"priority": "asap"})
    assert response.status_code == 422
    assert "priority" in response.content.decode().lower()


def test_the_case_pages_speak_chinese(users, complaint, client_for):
    users["agent"].language = "zh-hans"
    users["agent"].save(update_fields=["language"])
    client = client_for(users["agent"])
    assert "工单" in client.get("/service/cases/").content.decode()
    page = client.post(f"/service/cases/{complaint.pk}/status/", {"action": "close", "version": complaint.version}).content.decode()
    assert "只有已解决的工单才能关闭" in page


def test_the_accounts_360_page_lists_its_open_cases(users, zhang, complaint, client_for, django_assert_max_num_queries):
    account = zhang["account"]
    rep = client_for(users["north_rep"])
    page = rep.get(f"/accounts/{account.pk}/").content.decode()
    assert f"/service/accounts/{account.pk}/cases/" in page
    with django_assert_max_num_queries(8):
        section = rep.get(f"/service/accounts/{account.pk}/cases/")
    assert section.status_code == 200 and "X-200 rattles" in section.content.decode()
    assert "New case" in section.content.decode()
    assert "New case" not in client_for(users["analyst"]).get(f"/service/accounts/{account.pk}/cases/").content.decode()
    assert client_for(users["south_rep"]).get(f"/service/accounts/{account.pk}/cases/").status_code == 404


def test_the_forms_contact_choice_follows_the_picked_account(users, zhang, client_for):
    from rapport.customers.services import account_create

    other = account_create(actor=users["south_rep"], data={"name": "Elsewhere"})
    client = client_for(users["north_rep"])
    choice = client.get("/service/cases/contacts/", {"account_id": zhang["account"].pk}).content.decode()
    assert choice.startswith("<select") and f'value="{zhang["contact"].pk}"' in choice and "Wei Zhang" in choice
    assert 'hx-trigger="change from:[name=&#x27;account_id&#x27;]"' in choice  # it keeps following the picker
    for account_id in (other.pk, "abc", ""):  # not visible, not an id, nothing picked: only "Not said"
        assert "<option" in (body := client.get("/service/cases/contacts/", {"account_id": account_id}).content.decode())
        assert "Wei Zhang" not in body and body.count("<option") == 1
