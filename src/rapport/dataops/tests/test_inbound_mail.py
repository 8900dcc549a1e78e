"""Inbound mail through its doors (the CLI import and the API): matched, threaded, new senders as leads, once each."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from rapport.customers.models import Activity, Channel, Direction, Interaction, Lead
from rapport.customers.services import contact_create, lead_create
from rapport.dataops.models import InboundMail

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent / "mail"


def _import(*paths: object, user: str = "admin") -> str:
    out = StringIO()
    call_command("mail", "import", *map(str, paths), "--user", user, "-v", "0", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_mailbox_export_is_filed_on_the_timeline_once_and_resumes(users, tmp_path, django_assert_max_num_queries):
    zhang = contact_create(actor=users["north_rep"], data={"full_name": "张伟", "emails": [{"value": "zhang.wei@suzhou-pumps.example.cn"}]})
    mailbox = tmp_path / "mailbox"
    shutil.copytree(SAMPLES, mailbox)
    (mailbox / "notes.txt").write_text("not mail, not read: only *.eml under a directory")

    summary = _import(mailbox)
    assert "4 messages: 3 filed (1 from new senders, now leads), 0 seen before, 1 skipped, 0 refused." in summary
    assert "auto_reply.eml: Not filed: sent automatically (Auto-Submitted: auto-replied)." in summary

    # The Chinese message, from Zhang.Wei@Suzhou-Pumps...: his contact, matched whatever the case.
    first = Interaction.objects.get(subject="关于水泵报价单（朱镕）")
    assert (first.contact, first.channel, first.direction, first.user) == (zhang, Channel.EMAIL, Direction.INBOUND, users["admin"])
    assert first.occurred_at.isoformat() == "2026-11-16T01:30:00+00:00"
    assert first.body.startswith("From: 张伟 <Zhang.Wei@suzhou-pumps.example.cn>\n\n王经理您好：")
    # Its attachment is kept with it by the upload rules (shown beside the text, not in it).
    assert "Attachments" not in first.body
    assert [(a.filename, a.content_type, a.size) for a in first.attachments.all()] == [("报价单.pdf", "application/pdf", 37)]
    # Li Na's address is unknown, but she answers in Zhang's conversation: it joins his timeline, no lead is made.
    reply = Interaction.objects.get(subject="Re: 报价单")
    assert reply.contact == zhang and "价格可以接受" in reply.body
    # Anna is new: she becomes a lead (source Email) with her message, as text only.
    anna = Lead.objects.get(source="Email")
    assert (anna.full_name, anna.contact_points.get().normalised) == ("Anna Schmidt", "anna@shenzhen-solar.example.com")
    inquiry = Interaction.objects.get(lead=anna)
    assert inquiry.body.endswith(
        "Hello\n\nWe need 200 inverters by March.\n\nour catalogue\n\nNote: The message had only an HTML body; it is kept as plain text."
    )
    assert "<script" not in inquiry.body and "evil" not in inquiry.body and "javascript" not in inquiry.body
    assert InboundMail.objects.get(message_id="ooo-1@suzhou-pumps.example.cn").interaction is None

    # Run again (an interrupted import resumed, a mailbox exported twice): nothing is filed twice.
    again = _import(mailbox, SAMPLES / "chinese_gb2312.eml")
    assert "5 messages: 0 filed (0 from new senders, now leads), 5 seen before, 0 skipped, 0 refused." in again
    assert (Interaction.objects.count(), Lead.objects.count(), InboundMail.objects.count()) == (3, 1, 4)

    with django_assert_max_num_queries(12):
        _import(SAMPLES / "chinese_gb2312.eml")


def test_a_new_sender_is_a_lead_routed_by_the_assignment_rules_with_its_follow_up(users):
    from rapport.sales.assignment import assignment_rule_create

    assignment_rule_create(
        actor=users["admin"],
        data={
            "name": "Mail enquiries",
            "conditions": [{"field": "source", "operator": "equals", "value": "Email"}],
            "owner_id": users["south_rep"].pk,
        },
    )
    _import(SAMPLES / "new_sender_html.eml")
    lead = Lead.objects.get()
    assert (lead.full_name, lead.owner, lead.routed_by) == ("Anna Schmidt", users["south_rep"], "Mail enquiries")
    assert Interaction.objects.get().lead == lead
    assert Activity.objects.get().owner == users["south_rep"]


def test_a_sender_known_only_in_a_record_the_user_cannot_see_makes_no_duplicate_lead(users, tmp_path):
    lead_create(actor=users["south_rep"], data={"full_name": "Anna", "emails": [{"value": "ANNA@shenzhen-solar.example.com"}]})
    summary = _import(SAMPLES / "new_sender_html.eml", user="north_rep")
    assert "Not filed: anna@shenzhen-solar.example.com belongs to a record north_rep may not see." in summary
    assert (Lead.objects.count(), Interaction.objects.count()) == (1, 0)
    # Filed by someone who sees it, it lands on that lead.
    assert "1 filed (0 from new senders" in _import(SAMPLES / "new_sender_html.eml", user="south_rep")
    assert Interaction.objects.get().lead == Lead.objects.get()


def test_the_import_refuses_unreadable_files_by_name_and_goes_on(users, tmp_path, settings):
    settings.RAPPORT_MAX_MAIL_BYTES = 2048
    (tmp_path / "a-picture.eml").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (tmp_path / "huge.eml").write_bytes(b"From: x@example.cn\r\n\r\n" + b"x" * 4096)
    shutil.copy(SAMPLES / "new_sender_html.eml", tmp_path)
    summary = _import(tmp_path)
    assert "a-picture.eml: This is not an email message" in summary
    assert "huge.eml: larger than 0 MB." in summary or "huge.eml: The message is larger" in summary
    assert "3 messages: 1 filed" in summary and "2 refused." in summary
    with pytest.raises(Exception, match="No file or directory"):
        _import(tmp_path / "missing")
    with pytest.raises(Exception, match="No active user"):
        _import(tmp_path, user="nobody")


def test_the_api_files_an_eml_once_and_refuses_bad_ones_naming_the_field(users, api_for):
    zhang = contact_create(actor=users["north_rep"], data={"full_name": "张伟", "emails": [{"value": "zhang.wei@suzhou-pumps.example.cn"}]})
    api = api_for(users["north_rep"])
    raw = (SAMPLES / "chinese_gb2312.eml").read_bytes()

    filed = api.upload("mail/inbound", "message.eml", raw)
    assert filed.status_code == 201, filed.json()
    body = filed.json()
    assert (body["outcome"], body["contact_id"], body["created_lead"], body["subject"]) == (
        "filed",
        zhang.pk,
        False,
        "关于水泵报价单（朱镕）",
    )
    assert body["attachments"] == [
        {
            "filename": "报价单.pdf",
            "kind": "a PDF document",
            "size": 37,
            "kept": True,
            "reason": "",
        }
    ]
    again = api.upload("mail/inbound", "whatever-name.txt", raw)
    assert (again.status_code, again.json()["outcome"], again.json()["interaction_id"]) == (200, "duplicate", body["interaction_id"])
    # Someone who may not see Zhang learns nothing about where it went.
    other = api_for(users["south_rep"]).upload("mail/inbound", "m.eml", raw).json()
    assert (other["outcome"], other["interaction_id"], other["contact_id"]) == ("duplicate", None, None)

    skipped = api.upload("mail/inbound", "ooo.eml", (SAMPLES / "auto_reply.eml").read_bytes())
    assert (skipped.status_code, skipped.json()["outcome"]) == (200, "skipped")

    for hostile, reason in [
        (b"%PDF-1.4 a pdf", "This is not an email message"),
        (b"From: a@b.cn\r\nX: " + b"y" * 70_000 + b"\r\n\r\nhi", "A header field of the message is longer than 64 KB."),
    ]:
        refused = api.upload("mail/inbound", "bad.eml", hostile)
        assert refused.status_code == 422, refused.content
        assert refused["Content-Type"] == "application/problem+json"
        assert reason in refused.json()["errors"]["file"][0]
    assert Interaction.objects.count() == 1

    read_only = api_for(users["admin"], scope="read").upload("mail/inbound", "m.eml", (SAMPLES / "new_sender_html.eml").read_bytes())
    assert read_only.status_code == 403 and not Lead.objects.exists()


def test_the_timeline_shows_the_mail_as_text(users, client):
    zhang = contact_create(actor=users["admin"], data={"full_name": "Zhang", "emails": [{"value": "anna@shenzhen-solar.example.com"}]})
    _import(SAMPLES / "new_sender_html.eml")
    client.force_login(users["admin"])
    page = client.get(f"/contacts/{zhang.pk}/").content.decode()
    assert "Inquiry: 200 solar inverters" in page
    assert "<script>document" not in page and "javascript:alert" not in page
