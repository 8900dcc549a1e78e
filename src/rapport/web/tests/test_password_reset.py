"""Password reset by email over real SMTP: no enumeration, throttled, single-use and expiring links."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from typing import Any

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from rapport.core.models import OutboundEmail
from rapport.core.tests.smtp import make_worker

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-much-longer-new-secret"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
LINK = re.compile(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def rep(users: dict[str, Any]) -> Any:
    user = users["north_rep"]
    user.email = "Wang.Fang@example.com"
    user.save(update_fields=["email"])
    return user


def _ask(client: Client, email: str, django_capture_on_commit_callbacks: Any) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/password-reset/", {"email": email})


def _deliver(capture: Any) -> None:
    """Run the worker until the queue is empty: reset tasks queue messages, mail tasks send them over SMTP."""
    while DBTaskResult.objects.filter(status="READY").exists():
        with capture(execute=True):
            make_worker().run_once()


def _mailed_link(inbox: Any, capture: Any) -> str:
    _deliver(capture)
    assert len(inbox.received) == 1
    _, message = inbox.received[0]
    found = LINK.search(message.get_payload(decode=True).decode())
    assert found, message.get_payload()
    return found.group(1)


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_account_gets_mail(rep, smtp, django_capture_on_commit_callbacks):
    inbox, _ = smtp
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = _ask(Client(), "nobody@example.com", django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as known_queries:
        known = _ask(Client(), "wang.fang@EXAMPLE.com", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == 200
    assert CSRF.sub("", known.content.decode()) == CSRF.sub("", unknown.content.decode())
    assert "If an account uses this address" in known.content.decode()
    # The door does the same work for both (count, queue a task): nothing to time.
    assert [q["sql"].split(" ")[0] for q in known_queries] == [q["sql"].split(" ")[0] for q in unknown_queries]
    assert OutboundEmail.objects.count() == 0

    _deliver(django_capture_on_commit_callbacks)

    assert [recipients for recipients, _ in inbox.received] == [["Wang.Fang@example.com"]]
    _, message = inbox.received[0]
    assert str(make_header(decode_header(message["Subject"]))) == "Reset your Rapport password"
    assert "north_rep" in message.get_payload(decode=True).decode()


def test_the_link_sets_a_new_password_once_and_ends_every_session_and_token(rep, smtp, api_for, django_capture_on_commit_callbacks):
    inbox, _ = smtp
    old_session, old_token = Client(), api_for(rep)
    old_session.force_login(rep)
    _ask(Client(), rep.email, django_capture_on_commit_callbacks)
    link = _mailed_link(inbox, django_capture_on_commit_callbacks)

    browser = Client()
    page = browser.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in page.content.decode()
    refused = browser.post(link, {"new_password": "short", "new_password_again": "short"})
    assert "too short" in refused.content.decode()
    done = browser.post(link, {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}, follow=True)

    assert done.redirect_chain == [("/login/", 302)]
    assert "Your new password is set" in done.content.decode()
    assert Client().login(username="north_rep", password=NEW_PASSWORD)
    assert old_token.get("users/me").status_code == 401
    assert old_session.get("/contacts/")["Location"].startswith("/login/")
    again = Client().get(link)
    assert again.status_code == 404
    assert "This link does not work" in again.content.decode()
    assert Client().post(link, {"new_password": "another-long-secret", "new_password_again": "another-long-secret"}).status_code == 404


def test_an_expired_or_altered_link_is_refused(rep, smtp, django_capture_on_commit_callbacks, settings, monkeypatch):
    inbox, _ = smtp
    _ask(Client(), rep.email, django_capture_on_commit_callbacks)
    link = _mailed_link(inbox, django_capture_on_commit_callbacks)
    assert Client().get(link[:-3] + "xx/").status_code == 404
    assert Client().get("/password-reset/MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM/x-y/").status_code == 404
    later = PasswordResetTokenGenerator._now(PasswordResetTokenGenerator())
    from datetime import timedelta

    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
    assert Client().get(link).status_code == 404
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


def test_requests_are_throttled_per_address_typed_and_per_client_address(rep, smtp, settings, django_capture_on_commit_callbacks):
    settings.RAPPORT_PASSWORD_RESET_MAX_PER_ACCOUNT = 2
    settings.RAPPORT_PASSWORD_RESET_MAX_PER_ADDRESS = 4
    for _ in range(2):
        assert _ask(Client(), rep.email, django_capture_on_commit_callbacks).status_code == 200
    blocked = _ask(Client(), rep.email, django_capture_on_commit_callbacks)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    # An unknown address is throttled the same way: the lockout reveals nothing.
    for _ in range(2):
        assert _ask(Client(), "nobody@example.com", django_capture_on_commit_callbacks).status_code == 200
    # Four requests from this client address: a fifth address is refused too.
    assert _ask(Client(), "third@example.com", django_capture_on_commit_callbacks).status_code == 429
    from_elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    with django_capture_on_commit_callbacks(execute=True):
        assert from_elsewhere.post("/password-reset/", {"email": "third@example.com"}).status_code == 200
    assert DBTaskResult.objects.count() == 5


@pytest.mark.parametrize("email", ["", "not-an-address", "a@example.com\r\nBcc: all@example.com"])
def test_a_bad_address_is_an_error_at_the_field_and_queues_nothing(rep, email, django_capture_on_commit_callbacks):
    response = _ask(Client(), email, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert DBTaskResult.objects.count() == 0


def test_the_pages_and_the_mail_speak_chinese(rep, smtp, django_capture_on_commit_callbacks):
    inbox, _ = smtp
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "重置密码" in browser.get("/password-reset/").content.decode()
    answer = _ask(browser, rep.email, django_capture_on_commit_callbacks).content.decode()
    assert "如果有账户使用这个地址" in answer
    link = _mailed_link(inbox, django_capture_on_commit_callbacks)
    _, message = inbox.received[0]
    assert str(make_header(decode_header(message["Subject"]))) == "重置您的 Rapport 密码"
    assert "设置新密码" in browser.get(link).content.decode()
