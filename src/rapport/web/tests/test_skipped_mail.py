"""Skipped inbound mail: administrators see why each message was skipped, filter by reason, page through,
and file a message skipped wrongly on a record; nobody else sees any of it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from rapport.core.models import AuditEntry
from rapport.customers.models import Interaction
from rapport.customers.services import contact_create
from rapport.dataops.models import InboundMail

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "dataops" / "tests" / "mail"


def _mail(headers: str, body: str = "Hello") -> bytes:
    return (headers.strip() + "\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n").encode()


def _skipped_mailbox(tmp_path: Path) -> Path:
    box = tmp_path / "box"
    box.mkdir()
    (box / "ooo.eml").write_bytes((SAMPLES / "auto_reply.eml").read_bytes())
    (box / "list.eml").write_bytes(
        _mail("From: news@shop.example\nSubject: Weekly deals\nList-Id: <deals.shop.example>\nMessage-ID: <l1@shop>")
    )
    (box / "bounce.eml").write_bytes(_mail("From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\nMessage-ID: <b1@mx>"))
    (box / "garbage.eml").write_bytes(b"this is not an email at all\n")
    (box / "huge.eml").write_bytes(_mail("From: Big Sender <big@files.example>\nSubject: Scans\nMessage-ID: <h1@files>", "x" * 3000))
    return box


def _import(box: Path) -> str:
    out = StringIO()
    call_command("mail", "import", str(box), "--user", "admin", "-v", "0", stdout=out, stderr=StringIO())
    return out.getvalue()


def _as(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def skipped(users, tmp_path, settings) -> dict[str, InboundMail]:
    settings.RAPPORT_MAX_MAIL_BYTES = 2048
    summary = _import(_skipped_mailbox(tmp_path))
    assert "5 messages: 0 filed (0 from new senders, now leads), 0 seen before, 3 skipped, 2 refused." in summary
    return {row.skip_reason: row for row in InboundMail.objects.all()}


def test_the_page_says_why_each_message_was_skipped_and_from_whom(users, skipped):
    assert set(skipped) == {"auto_reply", "mailing_list", "bounce", "unparseable", "too_large"}
    assert skipped["too_large"].sender == "big@files.example" and skipped["too_large"].raw is None
    assert skipped["unparseable"].raw is None and skipped["auto_reply"].raw.startswith(b"From: Zhang Wei")
    html = _as(users["admin"]).get("/mail/skipped/").content.decode()
    for text in (
        "zhang.wei@suzhou-pumps.example.cn",
        "Automatic reply: Your quote",
        "Auto-reply",
        "Mailing list or bulk mail",
        "Bounce or delivery report",
        "Could not be read",
        "Too large",
        "big@files.example",
        "(no valid sender)",
    ):
        assert text in html, text

    bounces = _as(users["admin"]).get("/mail/skipped/", {"reason": "bounce"}).content.decode()
    assert "Undelivered Mail" in bounces and "Automatic reply" not in bounces
    wrong = _as(users["admin"]).get("/mail/skipped/", {"reason": "spam'--"})
    assert wrong.status_code == 200 and "is not one of" in wrong.content.decode()


def test_the_list_pages_by_keyset_in_a_fixed_number_of_queries(users, skipped, django_assert_num_queries):
    InboundMail.objects.bulk_create(
        InboundMail(
            message_id=f"m{i}@x",
            thread_id=f"m{i}@x",
            subject=f"Out of office {i}",
            sender=f"p{i}@x.example",
            received_via="api",
            outcome="skipped",
            skip_reason="auto_reply",
            reason="Not filed: auto",
        )
        for i in range(40)
    )
    admin = _as(users["admin"])
    admin.get("/mail/skipped/")  # the session and the language, read once
    with django_assert_num_queries(3):  # session, user, one page of rows
        first = admin.get("/mail/skipped/", {"reason": "auto_reply"})
    html = first.content.decode()
    assert html.count("<tr>") == 26  # header and 25 rows
    cursor = html.split('rel="next" href="?')[1].split('"')[0].replace("&amp;", "&")
    rest = admin.get(f"/mail/skipped/?{cursor}").content.decode()
    assert rest.count("<tr>") == 1 + 16
    shown = {line for page in (html, rest) for line in page.splitlines() if "Out of office" in line or "Automatic reply" in line}
    assert len(shown) == 41


def test_only_administrators_see_skipped_mail_in_pages_and_the_api(users, skipped, api_for):
    for role in ("north_rep", "manager", "agent", "marketer", "analyst"):
        assert _as(users[role]).get("/mail/skipped/").status_code == 403
        assert _as(users[role]).get(f"/mail/skipped/{skipped['auto_reply'].pk}/").status_code == 404
        refused = _as(users[role]).post(f"/mail/skipped/{skipped['auto_reply'].pk}/", {"record_kind": "contact", "record_id": "1"})
        assert refused.status_code == 404
        assert api_for(users[role]).get("mail/skipped").status_code == 403
    assert InboundMail.objects.filter(outcome="skipped").count() == 5 and not Interaction.objects.exists()
    assert "Skipped mail" not in _as(users["north_rep"]).get("/contacts/").content.decode()
    assert "Skipped mail" in _as(users["admin"]).get("/contacts/").content.decode()


def test_the_api_lists_skipped_mail_by_reason_with_a_cursor(users, skipped, api_for):
    api = api_for(users["admin"])
    first = api.get("mail/skipped", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get("mail/skipped", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = api.get("mail/skipped", {"limit": 2, "cursor": rest["next_cursor"]}).json()
    ids = [row["id"] for page in (first, rest, third) for row in page["items"]]
    assert sorted(ids) == sorted(row.pk for row in skipped.values()) and third["next_cursor"] is None
    lists = api.get("mail/skipped", {"reason": "mailing_list"}).json()["items"]
    assert [(row["sender"], row["skip_reason"]) for row in lists] == [("news@shop.example", "mailing_list")]
    assert "raw" not in lists[0]
    wrong = api.get("mail/skipped", {"reason": "spam"})
    assert wrong.status_code == 422 and "reason" in wrong.json()["errors"]


def test_an_administrator_files_a_wrongly_skipped_message_on_a_contact_once_and_audited(users, skipped):
    zhang = contact_create(actor=users["north_rep"], data={"full_name": "张伟", "emails": [{"value": "zhang.wei@suzhou-pumps.example.cn"}]})
    admin = _as(users["admin"])
    entry = skipped["auto_reply"]
    url = f"/mail/skipped/{entry.pk}/"
    page = admin.get(url).content.decode()
    assert "I am out of the office until Monday." in page and "out-of-office note or another automatic reply" in page
    # The sender's address is Zhang Wei's: offered in one click; the pickers find any contact, lead or account.
    assert f'name="contact_id" value="{zhang.pk}"' in page and "File on the timeline" in page
    assert 'hx-get="/pick/contact/"' in page and 'hx-get="/pick/account/"' in page and 'hx-get="/pick/lead/"' in page
    picked = admin.get("/pick/contact/", {"contact_id_label": "张伟"}).content.decode()
    assert f'data-pick-id="{zhang.pk}"' in picked

    for form, field, words in (
        ({}, "contact_id", "Choose the contact, lead or account to file it on."),
        ({"contact_id": "999999"}, "contact_id", "No such contact: 999999."),
        ({"contact_id": "x"}, "contact_id", "Enter a whole number."),
        ({"contact_id": str(zhang.pk), "account_id": "5"}, "account_id", "Choose one record: a contact, a lead or an account."),
    ):
        bad = admin.post(url, form)
        assert bad.status_code == 422, form
        assert words in bad.content.decode(), (form, field)
    assert not Interaction.objects.exists()

    done = admin.post(url, {"contact_id": str(zhang.pk)})
    assert done.status_code == 302 and done["Location"] == f"/contacts/{zhang.pk}/"
    filed = Interaction.objects.get()
    assert (filed.contact, filed.subject, filed.channel, filed.direction) == (zhang, "Automatic reply: Your quote", "email", "inbound")
    entry.refresh_from_db()
    assert (entry.outcome, entry.interaction, entry.raw) == ("filed", filed, None)
    audit = AuditEntry.objects.get(record_type="dataops.inboundmail", record_id=entry.pk)
    assert (audit.actor, audit.changes["outcome"]) == (users["admin"], ["skipped", "filed"])
    # Filed is no longer skipped: gone from the list; a second post (a stale tab) says so and files nothing.
    again = admin.post(url, {"contact_id": str(zhang.pk)})
    assert again.status_code == 409 and "This message has been filed already." in again.content.decode()
    assert "Automatic reply" not in admin.get("/mail/skipped/").content.decode()
    after = admin.get(url).content.decode()
    assert f'href="/contacts/{zhang.pk}/"' in after and "data-file-form" not in after
    assert Interaction.objects.count() == 1


def test_a_message_filed_on_arrival_is_not_skipped_mail(users, skipped):
    contact_create(actor=users["admin"], data={"full_name": "Li Na", "emails": [{"value": "li.na@example.com"}]})
    box = _mail("From: Li Na <li.na@example.com>\nSubject: Order question\nMessage-ID: <q1@example.com>")
    inbound = InboundMail.objects.filter(outcome="filed")
    from rapport.dataops.inbound_mail import inbound_mail_file

    inbound_mail_file(actor=users["admin"], raw=box, via="api")
    assert _as(users["admin"]).get(f"/mail/skipped/{inbound.get().pk}/").status_code == 404


def test_a_message_that_could_not_be_read_offers_no_filing(users, skipped):
    for reason in ("unparseable", "too_large"):
        page = _as(users["admin"]).get(f"/mail/skipped/{skipped[reason].pk}/").content.decode()
        assert "data-file-form" not in page and "nothing to file" in page
    assert "Could not be read" in _as(users["admin"]).get(f"/mail/skipped/{skipped['unparseable'].pk}/").content.decode()
    refused = _as(users["admin"]).post(f"/mail/skipped/{skipped['unparseable'].pk}/", {"account_id": "1"})
    assert refused.status_code == 422 and not Interaction.objects.exists()


def test_the_pages_speak_chinese(users, skipped):
    admin = users["admin"]
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    html = _as(admin).get("/mail/skipped/").content.decode()
    for text in ("跳过的邮件", "自动回复", "邮件列表或群发邮件", "退信或投递报告", "无法读取", "过大", "跳过原因"):
        assert text in html, text
    detail = _as(admin).get(f"/mail/skipped/{skipped['auto_reply'].pk}/").content.decode()
    for text in ("归档到记录", "外出通知", "归档到时间线", "输入以查找联系人", "输入以查找线索"):
        assert text in detail, text
    refused = _as(admin).post(f"/mail/skipped/{skipped['auto_reply'].pk}/", {"lead_id": "999999"}).content.decode()
    assert "没有这条线索：999999。" in refused
