"""An inbound email's attachments: kept with its interaction by the upload rules, refused ones listed with the reason,
downloaded only as attachments by users who see the interaction."""

from __future__ import annotations

import os
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client

from rapport.customers.models import Interaction, InteractionAttachment
from rapport.customers.services import contact_create
from rapport.dataops.inbound_mail import inbound_mail_file
from rapport.dataops.models import InboundMail
from rapport.sales.tests import upload_samples as samples

pytestmark = pytest.mark.django_db

SENDER = "zhang.wei@suzhou-pumps.example.cn"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 54 + b"This program cannot be run in DOS mode."


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def zhang(users: dict[str, Any]) -> Any:
    return contact_create(actor=users["north_rep"], data={"full_name": "张伟", "emails": [{"value": SENDER}]})


def mail(*files: tuple[str, bytes], message_id: str = "files-1@suzhou-pumps.example.cn") -> bytes:
    message = EmailMessage()
    message["From"] = f"张伟 <{SENDER}>"
    message["To"] = "sales@rapport.example"
    message["Subject"] = "图纸和报价"
    message["Date"] = "Mon, 16 Nov 2026 09:30:00 +0800"
    message["Message-ID"] = f"<{message_id}>"
    message.set_content("王经理您好：附件是图纸和报价。")
    for name, data in files:
        # The sender's claim is always "a PDF" or "an image": only the bytes decide.
        maintype, subtype = ("image", "png") if name.endswith(".png") else ("application", "pdf")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _stored(settings: Any) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, names in os.walk(root) for f in names) if os.path.isdir(root) else []


def test_a_pdf_and_an_image_are_kept_with_the_interaction_and_downloaded_as_attachments(users, zhang, api_for, settings):
    filed = inbound_mail_file(actor=users["admin"], raw=mail(("报价单.pdf", samples.PDF), ("图纸.png", samples.PNG)), via="api")

    assert (filed.outcome, filed.contact_id) == ("filed", zhang.pk)
    assert filed.attachments == [
        {"filename": "报价单.pdf", "kind": "a PDF document", "size": len(samples.PDF), "kept": True, "reason": ""},
        {"filename": "图纸.png", "kind": "a PNG image", "size": len(samples.PNG), "kept": True, "reason": ""},
    ]
    assert InboundMail.objects.get().attachments == filed.attachments
    pdf, png = InteractionAttachment.objects.filter(interaction_id=filed.interaction_id).order_by("id")
    assert [(a.filename, a.content_type, a.size, a.refused) for a in (pdf, png)] == [
        ("报价单.pdf", "application/pdf", len(samples.PDF), ""),
        ("图纸.png", "image/png", len(samples.PNG), ""),
    ]
    # Stored under names of our own, never the sender's.
    stored = _stored(settings)
    assert len(stored) == 2 and all(path.startswith("interactions/") and "报价单" not in path and "图纸" not in path for path in stored)
    # The timeline text no longer says the files were dropped.
    assert "not kept" not in Interaction.objects.get().body

    api = api_for(users["north_rep"])
    read = api.get(f"interactions/{filed.interaction_id}").json()
    assert read["attachments"] == [
        {
            "id": pdf.pk,
            "filename": "报价单.pdf",
            "size": len(samples.PDF),
            "content_type": "application/pdf",
            "kept": True,
            "refused": "",
            "download_url": f"/api/v1/interaction-attachments/{pdf.pk}",
        },
        {
            "id": png.pk,
            "filename": "图纸.png",
            "size": len(samples.PNG),
            "content_type": "image/png",
            "kept": True,
            "refused": "",
            "download_url": f"/api/v1/interaction-attachments/{png.pk}",
        },
    ]
    listed = api.get("interactions", {"contact_id": zhang.pk}).json()["items"]
    assert [a["filename"] for a in listed[0]["attachments"]] == ["报价单.pdf", "图纸.png"]

    download = api.get(f"interaction-attachments/{pdf.pk}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == samples.PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''%E6%8A%A5%E4%BB%B7%E5%8D%95.pdf"
    assert download["X-Content-Type-Options"] == "nosniff"

    client = Client()
    client.force_login(users["north_rep"])
    page = client.get(f"/contacts/{zhang.pk}/").content.decode()
    assert f'href="/interactions/attachments/{pdf.pk}/"' in page and "报价单.pdf" in page and "图纸.png" in page
    image = client.get(f"/interactions/attachments/{png.pk}/")
    assert image["Content-Disposition"].startswith("attachment;") and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == samples.PNG


def test_an_exe_named_pdf_is_refused_with_the_reason_and_the_mail_is_still_filed(users, zhang, api_for, settings):
    filed = inbound_mail_file(actor=users["admin"], raw=mail(("invoice.pdf", EXE), ("图纸.png", samples.PNG)), via="api")

    assert (filed.outcome, filed.contact_id) == ("filed", zhang.pk)
    reason = "This kind of file is not accepted; send one of .pdf, .png, .jpg, .jpeg, .docx, .xlsx, .txt."
    assert [(a["filename"], a["kept"], a["reason"]) for a in filed.attachments] == [("invoice.pdf", False, reason), ("图纸.png", True, "")]
    refused = InteractionAttachment.objects.get(filename="invoice.pdf")
    assert (refused.file.name, refused.content_type, refused.size, refused.refused) == ("", "", len(EXE), reason)
    assert len(_stored(settings)) == 1  # only the image

    api = api_for(users["north_rep"])
    first = api.get(f"interactions/{filed.interaction_id}").json()["attachments"][0]
    assert (first["kept"], first["refused"], first["download_url"]) == (False, reason, None)
    assert api.get(f"interaction-attachments/{refused.pk}").status_code == 404

    client = Client()
    client.force_login(users["north_rep"])
    page = client.get(f"/contacts/{zhang.pk}/").content.decode()
    assert "invoice.pdf" in page and f"not kept: {reason}" in page
    assert f"/interactions/attachments/{refused.pk}/" not in page
    assert client.get(f"/interactions/attachments/{refused.pk}/").status_code == 404


@pytest.mark.parametrize("sample", ["mismatched", "bomb", "traversal", "nested"])
def test_files_the_upload_rules_refuse_are_refused_in_mail_too(users, zhang, sample, settings):
    name, _content, reason = samples.REFUSED[sample]
    filed = inbound_mail_file(actor=users["admin"], raw=mail((name, samples.refused_content(sample))), via="api")
    assert filed.outcome == "filed"
    assert filed.attachments[0]["kept"] is False and filed.attachments[0]["reason"].startswith(reason)
    assert _stored(settings) == []


def test_an_attachment_over_the_upload_limit_is_refused(users, zhang, settings):
    settings.RAPPORT_MAX_UPLOAD_BYTES = 1024
    big = samples.PDF + b"%" * 2048
    filed = inbound_mail_file(actor=users["admin"], raw=mail(("drawings.pdf", big), ("报价单.pdf", samples.PDF)), via="api")
    assert [(a["filename"], a["kept"], a["reason"]) for a in filed.attachments] == [
        ("drawings.pdf", False, "The file is larger than 1 KB."),
        ("报价单.pdf", True, ""),
    ]
    assert InteractionAttachment.objects.get(filename="drawings.pdf").size == len(big)


def test_a_user_who_cannot_see_the_contact_gets_404_on_the_download(users, zhang, api_for):
    filed = inbound_mail_file(actor=users["admin"], raw=mail(("报价单.pdf", samples.PDF)), via="api")
    attachment = InteractionAttachment.objects.get(interaction_id=filed.interaction_id)
    stranger = users["south_rep"]
    assert api_for(stranger).get(f"interaction-attachments/{attachment.pk}").status_code == 404
    client = Client()
    client.force_login(stranger)
    assert client.get(f"/interactions/attachments/{attachment.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/interactions/attachments/{attachment.pk}/").status_code == 302  # to the sign-in
    # The owner reaches it: the 404s come from visibility.
    assert api_for(users["north_rep"]).get(f"interaction-attachments/{attachment.pk}").status_code == 200


def test_a_filing_that_fails_leaves_no_file_behind(users, zhang, settings, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(InboundMail, "save", broken)
    with pytest.raises(RuntimeError):
        inbound_mail_file(actor=users["admin"], raw=mail(("报价单.pdf", samples.PDF)), via="api")
    assert (Interaction.objects.count(), InteractionAttachment.objects.count(), _stored(settings)) == (0, 0, [])


def test_an_administrator_filing_a_skipped_message_keeps_its_attachments(users, zhang, settings):
    from rapport.dataops.skipped_mail import skipped_mail_file

    raw = mail(("报价单.pdf", samples.PDF)).replace(b"Subject:", b"Auto-Submitted: auto-replied\nSubject:", 1)
    skipped = inbound_mail_file(actor=users["admin"], raw=raw, via="api")
    assert skipped.outcome == "skipped" and _stored(settings) == []
    entry = InboundMail.objects.get()
    interaction = skipped_mail_file(actor=users["admin"], mail_id=entry.pk, contact_id=zhang.pk)
    assert [a.filename for a in interaction.attachments.all()] == ["报价单.pdf"]
    entry.refresh_from_db()
    assert entry.attachments[0]["kept"] is True and len(_stored(settings)) == 1


def test_a_chinese_speaking_rep_reads_why_a_file_was_not_kept_in_chinese(users, zhang, settings):
    settings.RAPPORT_MAX_UPLOAD_BYTES = 1024
    files = [("invoice.pdf", EXE), ("drawings.pdf", samples.PDF + b"%" * 2048), ("scan.pdf", samples.PNG)]
    inbound_mail_file(actor=users["admin"], raw=mail(*files), via="api")
    rep = users["north_rep"]
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    client = Client()
    client.force_login(rep)
    page = client.get(f"/contacts/{zhang.pk}/").content.decode()
    for text in (
        "未保存：不接受此类文件；请上传以下格式之一：.pdf, .png, .jpg, .jpeg, .docx, .xlsx, .txt。",
        "未保存：文件大于 1 KB。",
        "未保存：文件内容是PNG 图片，但文件名以“.pdf”结尾。",
    ):
        assert text in page, text
