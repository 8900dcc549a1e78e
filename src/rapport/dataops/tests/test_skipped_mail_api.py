"""POST /api/v1/mail/skipped/{id}/file: an administrator files a skipped message on a contact, lead or account.

Every refusal names what was wrong and files nothing; a repeat with the same
Idempotency-Key replays the first answer instead of filing twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.core.models import AuditEntry
from rapport.customers.models import Interaction
from rapport.customers.services import account_create, contact_create, lead_create
from rapport.dataops.inbound_mail import inbound_mail_file
from rapport.dataops.models import InboundMail

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent / "mail"


@pytest.fixture
def auto_reply(users) -> InboundMail:
    inbound_mail_file(actor=users["admin"], raw=(SAMPLES / "auto_reply.eml").read_bytes(), via="api")
    return InboundMail.objects.get(outcome="skipped")


@pytest.fixture
def zhang(users):
    return contact_create(actor=users["north_rep"], data={"full_name": "张伟", "emails": [{"value": "zhang.wei@suzhou-pumps.example.cn"}]})


def _url(entry: InboundMail | int) -> str:
    return f"mail/skipped/{getattr(entry, 'pk', entry)}/file"


def test_an_administrator_files_it_on_a_contact_and_it_is_on_the_timeline(users, api_for, auto_reply, zhang):
    api = api_for(users["admin"])
    done = api.post(_url(auto_reply), {"contact_id": zhang.pk})
    assert done.status_code == 201, done.content
    filed = Interaction.objects.get()
    assert done.json() == {
        "id": auto_reply.pk,
        "outcome": "filed",
        "interaction_id": filed.pk,
        "contact_id": zhang.pk,
        "lead_id": None,
        "account_id": filed.account_id,
    }
    timeline = api.get("interactions", {"contact_id": zhang.pk}).json()["items"]
    assert [(row["id"], row["subject"], row["channel"]) for row in timeline] == [(filed.pk, "Automatic reply: Your quote", "email")]
    assert api.get("mail/skipped").json()["items"] == []
    audit = AuditEntry.objects.get(record_type="dataops.inboundmail", record_id=auto_reply.pk)
    assert (audit.actor, audit.via, audit.changes["interaction"]) == (users["admin"], "api", [None, filed.pk])


@pytest.mark.parametrize("kind", ["lead", "account"])
def test_it_files_on_a_lead_or_an_account(kind, users, api_for, auto_reply):
    record = (
        lead_create(actor=users["north_rep"], data={"last_name": "Wang", "company": "Pumps"})
        if kind == "lead"
        else account_create(actor=users["north_rep"], data={"name": "Suzhou Pumps"})
    )
    done = api_for(users["admin"]).post(_url(auto_reply), {f"{kind}_id": record.pk})
    assert done.status_code == 201 and done.json()[f"{kind}_id"] == record.pk
    assert getattr(Interaction.objects.get(), f"{kind}_id") == record.pk


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"contact_id"}),
        ({"contact_id": 999999}, {"contact_id"}),
        ({"lead_id": 999999}, {"lead_id"}),
        ({"account_id": 0}, {"account_id"}),
        ({"contact_id": "x"}, {"contact_id"}),
        ({"contact_id": 1, "account_id": 1}, {"contact_id", "account_id"}),
        ({"record_id": 1}, {"record_id"}),
        ({"id": 5, "outcome": "filed"}, {"id", "outcome"}),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_files_nothing(body, fields, users, api_for, auto_reply, zhang):
    if body == {"contact_id": 1, "account_id": 1}:
        account = account_create(actor=users["north_rep"], data={"name": "Pumps"})
        body = {"contact_id": zhang.pk, "account_id": account.pk}
    refused = api_for(users["admin"]).post(_url(auto_reply), body)
    assert refused.status_code == 422, refused.content
    assert refused["Content-Type"] == "application/problem+json"
    assert fields <= set(refused.json()["errors"]), refused.json()
    auto_reply.refresh_from_db()
    assert (auto_reply.outcome, Interaction.objects.count()) == ("skipped", 0)


def test_an_unknown_message_or_one_filed_on_arrival_is_a_404(users, api_for, zhang):
    api = api_for(users["admin"])
    assert api.post(_url(999999), {"contact_id": zhang.pk}).status_code == 404
    assert api.post("mail/skipped/0/file", {"contact_id": zhang.pk}).status_code == 422  # not an id at all
    person = b"From: Zhang <zhang.wei@suzhou-pumps.example.cn>\nSubject: Order\nMessage-ID: <o1@x>\n\nHello\n"
    inbound_mail_file(actor=users["admin"], raw=person, via="api")
    on_arrival = InboundMail.objects.get(outcome="filed")
    assert api.post(_url(on_arrival), {"contact_id": zhang.pk}).status_code == 404
    assert Interaction.objects.count() == 1


@pytest.mark.parametrize("role", ["north_rep", "manager", "agent", "marketer", "analyst"])
def test_other_roles_get_a_404_and_nothing_is_filed(role, users, api_for, auto_reply, zhang):
    refused = api_for(users[role]).post(_url(auto_reply), {"contact_id": zhang.pk})
    assert refused.status_code == 404
    auto_reply.refresh_from_db()
    assert (auto_reply.outcome, Interaction.objects.count()) == ("skipped", 0)


def test_filed_already_or_unreadable_is_a_409(users, api_for, auto_reply, zhang):
    api = api_for(users["admin"])
    assert api.post(_url(auto_reply), {"contact_id": zhang.pk}).status_code == 201
    again = api.post(_url(auto_reply), {"contact_id": zhang.pk})
    assert again.status_code == 409 and again.json()["detail"] == "This message has been filed already."
    assert Interaction.objects.count() == 1
    unreadable = InboundMail.objects.create(
        message_id="u1@rapport.invalid", thread_id="u1@rapport.invalid", subject="", received_via="api",
        outcome="skipped", skip_reason="unparseable", reason="Not filed: not an email",
    )  # fmt: skip
    refused = api.post(_url(unreadable), {"contact_id": zhang.pk})
    assert refused.status_code == 409 and "could not be read" in refused.json()["detail"]
    assert Interaction.objects.count() == 1


def test_a_repeat_with_the_same_idempotency_key_replays_the_first_answer(users, api_for, auto_reply, zhang):
    api = api_for(users["admin"])
    first = api.post(_url(auto_reply), {"contact_id": zhang.pk}, headers={"Idempotency-Key": "file-ooo-1"})
    again = api.post(_url(auto_reply), {"contact_id": zhang.pk}, headers={"Idempotency-Key": "file-ooo-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = api.post(_url(auto_reply), {"lead_id": 1}, headers={"Idempotency-Key": "file-ooo-1"})
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    assert Interaction.objects.count() == 1
