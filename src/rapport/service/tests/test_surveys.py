"""Satisfaction after a case (CSAT): resolving a case emails whoever raised it a link over real SMTP; the link's page
takes a score once, in their language, without a sign-in; an agent records a score heard on the phone; the answers
reach the timeline and the API (tests/test_satisfaction_flow.py follows them into the warehouse and the dashboard)."""

from __future__ import annotations

import re

import pytest

from rapport.common.errors import Conflict, ValidationFailed
from rapport.core.tests.smtp import make_worker
from rapport.customers.models import Interaction
from rapport.service.cases import case_open, case_reopen, case_resolve
from rapport.service.models import SatisfactionSurvey
from rapport.service.surveys import survey_answer, survey_record


@pytest.fixture
def complaint(users, zhang):
    from rapport.customers.services import contact_update

    contact_update(
        actor=users["north_rep"],
        contact=zhang["contact"],
        data={"emails": [{"value": "zhang.wei@lotus.example.cn"}], "language": "zh-hans"},
        expected_version=None,
    )
    return case_open(
        actor=users["agent"],
        data={"subject": "X-200 rattles", "account_id": zhang["account"].pk, "contact_id": zhang["contact"].pk, "kind": "complaint"},
    )


def _link(body: str) -> str:
    found = re.search(r"http://testserver(/service/survey/[\w-]+/)", body)
    assert found is not None, body
    return found.group(1)


def test_resolving_a_case_emails_the_survey_in_the_contacts_language(users, complaint, django_capture_on_commit_callbacks, smtp):
    inbox, _ = smtp
    with django_capture_on_commit_callbacks(execute=True):
        case_resolve(actor=users["agent"], case=complaint, resolution="Technician replaced the fan.", base_url="http://testserver/")
    assert make_worker().run_once()[0]
    survey = SatisfactionSurvey.objects.get(case=complaint)
    assert (survey.sent_to, survey.score) == ("zhang.wei@lotus.example.cn", None)
    [(recipients, message)] = inbox.received
    body = message.get_payload(decode=True).decode()
    assert recipients == ["zhang.wei@lotus.example.cn"] and "满意" in body
    assert _link(body) == f"/service/survey/{survey.token}/"
    case_reopen(actor=users["agent"], case=complaint)
    with django_capture_on_commit_callbacks(execute=True):
        case_resolve(actor=users["agent"], case=complaint, resolution="Fan replaced again.", base_url="http://testserver/")
    make_worker().run_once()
    assert SatisfactionSurvey.objects.count() == 1 and len(inbox.received) == 1  # asked once per case


def test_the_customer_answers_once_through_the_link_without_signing_in(client, users, complaint):
    case_resolve(actor=users["agent"], case=complaint, resolution="Fixed.")
    survey = SatisfactionSurvey.objects.get(case=complaint)
    url = f"/service/survey/{survey.token}/"
    page = client.get(url)
    assert page.status_code == 200 and "X-200 rattles" in page.content.decode() and "满意" in page.content.decode()
    refused = client.post(url, {"score": "9"})
    assert refused.status_code == 422
    answered = client.post(url, {"score": "4", "comment": "快，谢谢"})
    assert answered.status_code == 200 and "data-thanks" in answered.content.decode()
    survey.refresh_from_db()
    assert (survey.score, survey.comment, survey.answered_via) == (4, "快，谢谢", "email")
    assert client.post(url, {"score": "1"}).status_code == 200
    survey.refresh_from_db()
    assert survey.score == 4  # answered once
    note = Interaction.objects.filter(concerns=f"service.case:{complaint.pk}").order_by("-id").first()
    assert note is not None and note.subject == f"Satisfaction with case {complaint.number}: 4/5" and note.body == "快，谢谢"
    assert client.get("/service/survey/not-a-token/").status_code == 404
    with pytest.raises(Conflict):
        survey_answer(token=survey.token, data={"score": 2})


def test_an_agent_records_a_score_heard_on_the_phone(users, zhang, api_for):
    case = case_open(actor=users["agent"], data={"subject": "Manual?", "account_id": zhang["account"].pk})
    api = api_for(users["agent"])
    early = api.post(f"/api/v1/cases/{case.pk}/satisfaction", {"score": 5})
    assert early.status_code == 409  # not resolved yet
    case_resolve(actor=users["agent"], case=case, resolution="Sent the manual.")
    assert SatisfactionSurvey.objects.get(case=case).sent_to == ""  # nobody to email: the agent asks on the phone
    bad = api.post(f"/api/v1/cases/{case.pk}/satisfaction", {"score": 0})
    assert bad.status_code == 422 and "score" in bad.json()["errors"]
    done = api.post(f"/api/v1/cases/{case.pk}/satisfaction", {"score": 5, "comment": "Quick"})
    assert done.status_code == 200 and (done.json()["score"], done.json()["answered_via"]) == (5, "phone")
    assert api.get(f"/api/v1/cases/{case.pk}/satisfaction").json()["score"] == 5
    assert api.post(f"/api/v1/cases/{case.pk}/satisfaction", {"score": 1}).status_code == 409
    assert api_for(users["south_rep"]).get(f"/api/v1/cases/{case.pk}/satisfaction").status_code == 404
    with pytest.raises(ValidationFailed):
        survey_record(actor=users["agent"], case=case, data={"score": "five"})


def test_the_case_page_shows_the_answer_and_takes_a_phone_score(users, zhang, client_for):
    case = case_open(actor=users["agent"], data={"subject": "Manual?", "account_id": zhang["account"].pk})
    case_resolve(actor=users["agent"], case=case, resolution="Sent.")
    client = client_for(users["agent"])
    page = client.get(f"/service/cases/{case.pk}/").content.decode()
    assert "data-survey-form" in page
    bad = client.post(f"/service/cases/{case.pk}/satisfaction/", {"score": ""})
    assert bad.status_code == 422
    assert client.post(f"/service/cases/{case.pk}/satisfaction/", {"score": "2", "comment": "Slow"}).status_code == 302
    shown = client.get(f"/service/cases/{case.pk}/").content.decode()
    assert 'data-csat="2"' in shown and "data-survey-form" not in shown
