"""A request past its time limit has its query stopped and gets a 503 that says so; the process serves on."""

from __future__ import annotations

import time

import pytest

from rapport.common.testing import signed_in
from rapport.core.models import User

pytestmark = [pytest.mark.urls("tests.slow_urls"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rep(users) -> User:
    return users["north_rep"]


def test_a_page_past_the_limit_is_stopped_with_a_page_that_says_what_to_do(rep, settings):
    settings.RAPPORT_REQUEST_SECONDS = 0.5
    client = signed_in(rep)
    started = time.monotonic()
    response = client.get("/slow-report/")
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "This took longer than 0.5 seconds, so it was stopped." in text
    assert 'href="/slow-report/"' in text
    # The same process, the same database connection, answers the next request at once.
    assert client.get("/contacts/").status_code == 200


def test_the_api_answers_a_problem_and_a_chinese_user_reads_it_in_chinese(api_for, rep, settings):
    settings.RAPPORT_REQUEST_SECONDS = 1
    response = api_for(rep).get("slow-report")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith("This took longer than 1 seconds")
    chinese = api_for(rep).get("slow-report", headers={"Accept-Language": "zh-hans"})
    assert chinese.status_code == 503 and "超过 1 秒" in chinese.json()["detail"]


def test_no_limit_when_switched_off_and_ordinary_requests_are_untouched(rep, settings):
    settings.RAPPORT_REQUEST_SECONDS = 0
    assert signed_in(rep).get("/contacts/").status_code == 200
    settings.RAPPORT_REQUEST_SECONDS = 30
    assert signed_in(rep).get("/contacts/").status_code == 200
