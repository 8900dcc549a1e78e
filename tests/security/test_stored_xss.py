"""Stored XSS: hostile text saved through the API is shown as text on every page.

A corpus of script, event-handler, ``javascript:`` URL and template-injection
payloads goes into names, notes, tags, websites, titles and interactions; every
page that shows them (lists, 360s, edit forms, search and its dropdown, the
record picker, the timeline, home, the audit log) must escape them, link only
to http(s), and the CSV export must not start a cell with a formula.
"""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from django.test import Client

from rapport.common.testing import ApiClient
from tests.security import registry

pytestmark = pytest.mark.django_db

CORPUS = [
    '<script>alert("xss-1")</script>',
    '"><img src=x onerror=alert(2)>',
    "<svg onload=alert(3)>",
    "'><iframe srcdoc='<script>alert(4)</script>'>",
    '<a href="javascript:alert(5)">click</a>',
    "<body onpageshow=alert(6)>",
    '" hx-get="/admin/" hx-trigger="load',
    "{{ request.user.password }}{% debug %}",
    "${7*7}<%= 7*7 %>",
]
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0"]
# What must never appear in a page as markup: an escaped payload shows up as &lt;...
RAW = [
    '<script>alert("xss-1")',
    "<img src=x onerror",
    "<svg onload",
    "<iframe srcdoc",
    '<a href="javascript:',
    "<body onpageshow",
    'hx-get="/admin/"',
]
ATTRIBUTE = re.compile(r"""\b(?:href|src|action|formaction|hx-get|hx-post|data)\s*=\s*["']([^"']*)["']""", re.I)


def _store(api: ApiClient, mark: str) -> dict[str, int]:
    """The corpus saved through the API on an account, a contact, a lead and an interaction."""
    notes = "\n".join(CORPUS + FORMULAS)
    account = api.post(
        "accounts",
        {"name": f"{mark} {CORPUS[0]}", "website": "javascript:alert(document.cookie)", "notes": notes, "industry": CORPUS[2]},
    )
    assert account.status_code == 201, account.content
    contact = api.post(
        "contacts",
        {
            "first_name": CORPUS[1][:100],
            "last_name": f"{mark} {CORPUS[2]}",
            "title": CORPUS[4][:120],
            "account_id": account.json()["id"],
            "notes": notes,
            "tags": [CORPUS[2][:60], "<b>bold</b>"],
        },
    )
    assert contact.status_code == 201, contact.content
    lead = api.post("leads", {"last_name": f"{mark} {CORPUS[3]}"[:100], "company": FORMULAS[0], "notes": notes})
    assert lead.status_code == 201, lead.content
    logged = api.post("interactions", {"channel": "email", "subject": CORPUS[6], "body": notes, "contact_id": contact.json()["id"]})
    assert logged.status_code == 201, logged.content
    # A second save puts the payloads in the audit log's "changed from / to" too.
    edited = api.patch(f"contacts/{contact.json()['id']}", {"department": CORPUS[5], "last_name": f"{mark} {CORPUS[3]}"[:100]})
    assert edited.status_code == 200, edited.content
    return {"account": account.json()["id"], "contact": contact.json()["id"], "lead": lead.json()["id"]}


def _assert_escaped(url: str, page: str, secret: str) -> None:
    for raw in RAW:
        assert raw not in page, f"{url}: unescaped {raw!r}"
    for value in ATTRIBUTE.findall(page):
        target = re.sub(r"[\s\x00-\x1f]", "", html.unescape(value)).lower()
        assert not target.startswith(("javascript:", "vbscript:", "data:text")), f"{url}: link to {value!r}"
    assert secret not in page, f"{url}: template injection rendered the password hash"
    assert "sql_queries" not in page, f"{url}: template injection ran {{% debug %}}"


def test_hostile_text_is_escaped_on_every_page_that_shows_it(users, api_for):
    owner = users["north_rep"]
    mark = registry.marker()
    ids = _store(api_for(owner), mark)
    client = Client()
    client.force_login(owner)
    urls = [
        "/",
        "/accounts/",
        "/contacts/",
        "/leads/",
        "/timeline/",
        f"/accounts/{ids['account']}/",
        f"/contacts/{ids['contact']}/",
        f"/leads/{ids['lead']}/",
        f"/accounts/{ids['account']}/edit/",
        f"/contacts/{ids['contact']}/edit/",
        f"/contacts/{ids['contact']}/delete/",
        f"/search/?q={mark}",
        f"/search/suggest/?q={mark}",
        f"/pick/account/?pick_q={mark}",
        f"/pick/contact/?pick_q={mark}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        _assert_escaped(url, page, owner.password)
        if "/search" in url or "/pick/account/" in url or url.endswith(f"/{ids['contact']}/"):
            assert html.escape(f"{mark} {CORPUS[3]}"[:100]) in page or mark in page, (
                f"{url} must show the record, or the check proves nothing"
            )
    detail = client.get(f"/accounts/{ids['account']}/").content.decode()
    assert html.escape(CORPUS[0]) in detail, "the 360 must show the name, escaped"
    assert "javascript:alert(document.cookie)" in detail and 'href="javascript:' not in detail


def _cells(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


def test_csv_exports_never_start_a_cell_with_a_formula(users, api_for):
    owner = users["north_rep"]
    api = api_for(owner)
    _store(api, registry.marker())
    for formula in FORMULAS:
        assert api.post("contacts", {"first_name": formula[:100], "last_name": formula[:100], "title": formula[:120]}).status_code == 201
    client = Client()
    client.force_login(owner)
    exported = 0
    for url in ("/accounts/export.csv", "/contacts/export.csv", "/leads/export.csv"):
        for response in (client.get(url), api.get(url.lstrip("/"))):
            for row in _cells(response):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"{url}: formula cell {cell!r}"
                    exported += 1
    assert exported > 50
    contacts = _cells(client.get("/contacts/export.csv"))
    assert any(cell == "'" + FORMULAS[0][:100] for row in contacts for cell in row), "the formula is kept, as text"


def test_html_in_an_email_address_is_refused(users, api_for):
    from rapport.customers.models import Contact

    api = api_for(users["north_rep"])
    for email in ("<script>alert(1)</script>@example.com", '"><svg onload=alert(1)>@example.com', "a@example.com<script>"):
        response = api.post("contacts", {"last_name": "Mail", "emails": [{"value": email}]})
        assert response.status_code == 422, email
    assert not Contact.objects.filter(last_name="Mail").exists()


def test_hostile_mail_is_shown_as_text_on_the_skipped_mail_pages(users):
    """Skipped mail is whatever a stranger sent: its subject, sender, headers, text and attachment names are shown escaped."""
    from rapport.dataops.inbound_mail import inbound_mail_file
    from rapport.dataops.models import InboundMail

    admin = users["admin"]
    mark = registry.marker()
    plain = "\n".join(
        [
            f'From: "{CORPUS[2]}" <away-{mark.lower()}@example.com>',
            f"Subject: {mark} {CORPUS[0]} {CORPUS[6]}",
            f"Message-ID: <{mark}@example.com>",
            f"In-Reply-To: <{CORPUS[1]}@example.com>",
            f"Auto-Submitted: auto-replied {CORPUS[0]}",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="b"',
            "",
            "--b",
            "Content-Type: text/plain; charset=utf-8",
            "",
            *CORPUS,
            "--b",
            f'Content-Type: application/pdf; name="{CORPUS[3]}.pdf"',
            f'Content-Disposition: attachment; filename="{CORPUS[4]}.pdf"',
            "",
            "%PDF-1.4",
            "--b--",
            "",
        ]
    ).encode()
    html_only = (
        f"From: list-{mark.lower()}@example.com\nSubject: {mark} html\nMessage-ID: <{mark}.2@example.com>\nList-Id: <x.example.com>\n"
        f"Content-Type: text/html; charset=utf-8\n\n<p>{CORPUS[4]}</p><script>alert('xss-1')</script>{CORPUS[1]}\n"
    ).encode()
    for raw in (plain, html_only):
        inbound_mail_file(actor=admin, raw=raw, via="api")
    client = Client()
    client.force_login(admin)
    rows = InboundMail.objects.filter(outcome="skipped", subject__startswith=mark).order_by("id")
    assert rows.count() == 2
    urls = ["/mail/skipped/", "/mail/skipped/?reason=auto_reply", *(f"/mail/skipped/{row.pk}/" for row in rows)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        _assert_escaped(url, page, admin.password)
        assert mark in page, f"{url} must show the message, or the check proves nothing"
    detail = client.get(f"/mail/skipped/{rows[0].pk}/").content.decode()
    assert html.escape(CORPUS[0]) in detail, "the text must be shown, escaped"


def test_hostile_attachment_names_and_replied_subjects_are_shown_as_text_on_the_timeline(users, api_for):
    """An email's attachments are named by whoever sent it: kept or refused, the names are escaped on every timeline,
    and so is the subject a reply's "Reply to" link shows."""
    from email.message import EmailMessage

    from rapport.customers.services import contact_create
    from rapport.dataops.inbound_mail import inbound_mail_file

    owner = users["north_rep"]
    mark = registry.marker()
    contact = contact_create(actor=owner, data={"last_name": f"Mail {mark}", "emails": [{"value": f"buyer-{mark.lower()}@example.com"}]})
    message = EmailMessage()
    message["From"] = f"buyer-{mark.lower()}@example.com"
    message["Subject"] = f"Files {mark} {CORPUS[0]}"
    message["Message-ID"] = f"<files-{mark}@example.com>"
    message.set_content("See attached.")
    # Names without a slash: the upload rules keep only a name's last path component.
    named = [(f"{CORPUS[1]}.pdf", b"%PDF-1.4\n%%EOF\n"), (f"{CORPUS[2]}.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)]
    for name, data in [*named, (f"{CORPUS[5]}.pdf", b"MZ\x90\x00" + b"\x00" * 60)]:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    filed = inbound_mail_file(actor=owner, raw=message.as_bytes(), via="api")
    assert [a["kept"] for a in filed.attachments] == [True, True, False]
    # A reply shows the hostile subject of the message it answers ("Reply to ...").
    answer = f"From: buyer-{mark.lower()}@example.com\nSubject: Re\nMessage-ID: <re-{mark}@example.com>\n"
    answer += f"In-Reply-To: <files-{mark}@example.com>\n\nOK\n"
    assert inbound_mail_file(actor=owner, raw=answer.encode(), via="api").outcome == "filed"
    client = Client()
    client.force_login(owner)
    for url in ("/", "/timeline/", f"/contacts/{contact.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        _assert_escaped(url, page, owner.password)
        for name in (CORPUS[1], CORPUS[2], CORPUS[5]):
            assert html.escape(name) in page, f"{url} must list the attachment {name!r}, escaped, or the check proves nothing"
        assert page.count(html.escape(f"Files {mark} {CORPUS[0]}")) == 2, f"{url} must show the subject and the reply's link to it"
    read = api_for(owner).get(f"interactions/{filed.interaction_id}").json()
    assert [a["filename"] for a in read["attachments"]] == [f"{CORPUS[1]}.pdf", f"{CORPUS[2]}.png", f"{CORPUS[5]}.pdf"]
    for attachment in read["attachments"][:2]:
        download = client.get(f"/interactions/attachments/{attachment['id']}/")
        disposition = download["Content-Disposition"]
        assert disposition.startswith("attachment;") and "\n" not in disposition and "\r" not in disposition
        assert download["X-Content-Type-Options"] == "nosniff" and "sandbox" in download["Content-Security-Policy"]
