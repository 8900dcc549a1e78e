"""Satisfaction after a case (CSAT): the question sent when a case is resolved, the customer's answer through the
emailed link, a score an agent heard on the phone, and the reads the case page and the dashboard use.

The link carries a random token and needs no sign-in: whoever holds the email answers, once. The answer goes on
the account's timeline, so the next agent sees how the last answer was received. A contact without an email
address gets no email; the agent can still ask on the phone and record the score.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from rapport.common.errors import Conflict, NotFound
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers.models import ContactPoint, ContactPointKind
from rapport.customers.services import timeline_note
from rapport.customers.validation import Errors, clean_text
from rapport.service.models import Case, CaseStatus, SatisfactionSurvey

SCORES = range(1, 6)
ANSWERED_VIA = ("email", "phone", "portal")


def _email_of(case: Case) -> str:
    if case.contact_id is None:
        return ""
    point = (
        ContactPoint.objects.filter(contact_id=case.contact_id, kind=ContactPointKind.EMAIL)
        .order_by("-is_primary", "id")
        .values_list("normalised", flat=True)
        .first()
    )
    return point or ""


def language_of(case: Case) -> str:
    """The language to ask the case's contact in: theirs when Rapport speaks it, else the installation's."""
    wanted = (case.contact.language if case.contact is not None else "") or settings.LANGUAGE_CODE
    supported = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in supported else settings.LANGUAGE_CODE


def survey_link(survey: SatisfactionSurvey, *, base_url: str = "") -> str:
    base = (settings.RAPPORT_BASE_URL or base_url or "http://127.0.0.1:8000/").rstrip("/")
    return base + reverse("service:survey_answer", args=[survey.token])


def _new_survey(case: Case) -> SatisfactionSurvey:
    return SatisfactionSurvey.objects.create(
        case=case, account_id=case.account_id, contact_id=case.contact_id, token=secrets.token_urlsafe(32)
    )


def survey_for_resolved_case(*, case: Case, base_url: str = "") -> SatisfactionSurvey:
    """Ask the contact who raised the case how satisfied they are (inside the resolving transaction: the email
    leaves once it commits). A case resolved again after a reopening keeps its first survey."""
    from rapport.core.jobs.mail import email_queue

    existing = SatisfactionSurvey.objects.filter(case=case).first()
    if existing is not None:
        return existing
    survey = _new_survey(case)
    address = _email_of(case)
    if address:
        with translation.override(language_of(case)):
            subject = gettext("How did we do? Your case %(number)s") % {"number": case.number}
            body = gettext(
                "Your case “%(subject)s” has been answered. How satisfied are you with the answer?\n\n"
                "Give us a score from 1 (not at all) to 5 (very satisfied) here:\n%(link)s\n\nThank you."
            ) % {"subject": case.subject, "link": survey_link(survey, base_url=base_url)}
        email_queue(to=[address], subject=subject, body=body)
        SatisfactionSurvey.objects.filter(pk=survey.pk).update(sent_to=address, sent_at=timezone.now())
        survey.sent_to, survey.sent_at = address, timezone.now()
    return survey


def survey_by_token(token: str) -> SatisfactionSurvey:
    found = SatisfactionSurvey.objects.select_related("case", "contact").filter(token=str(token)[:64]).first() if token else None
    if found is None:
        raise NotFound("No such survey.")
    return found


def survey_of_case(case: Case) -> SatisfactionSurvey | None:
    return SatisfactionSurvey.objects.filter(case=case).select_related("recorded_by").first()


def _clean_answer(data: Mapping[str, Any]) -> tuple[int, str]:
    errors = Errors()
    score = data.get("score")
    if str(score) not in {str(n) for n in SCORES}:
        errors.add("score", "Choose a score from 1 to 5.")
    comment = clean_text(data.get("comment"), field="comment", max_length=2000, errors=errors)
    errors.raise_if_any()
    return int(str(score)), comment


def _answer(survey: SatisfactionSurvey, *, score: int, comment: str, via: str, actor: User | None) -> SatisfactionSurvey:
    with transaction.atomic():
        locked = SatisfactionSurvey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at is not None:
            raise Conflict("This survey is answered already.")
        before = {"score": None, "comment": ""}
        fields = {"score": score, "comment": comment, "answered_at": timezone.now(), "answered_via": via, "recorded_by": actor}
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, record=locked, changes=diff(before, {"score": score, "comment": comment}), via=via
        )
        note = f"Satisfaction with case {locked.case.number}: {score}/5"
        timeline_note(account_id=locked.account_id, subject=note, body=comment, concerns=f"service.case:{locked.case_id}")
    return locked


def survey_answer(*, token: str, data: Mapping[str, Any]) -> SatisfactionSurvey:
    """The customer's answer through the emailed link: a score from 1 to 5 and a comment, once."""
    survey = survey_by_token(token)
    score, comment = _clean_answer(data)
    return _answer(survey, score=score, comment=comment, via="email", actor=None)


def survey_record(*, actor: User, case: Case, data: Mapping[str, Any], via: str = "web") -> SatisfactionSurvey:
    """The score the customer gave an agent (on the phone) for a resolved case; the case's survey, once."""
    from rapport.service.cases import require_case_editor

    require_case_editor(actor, case)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise Conflict("Ask for satisfaction once the case is resolved.")
    score, comment = _clean_answer(data)
    survey = SatisfactionSurvey.objects.filter(case=case).first() or _new_survey(case)
    return _answer(survey, score=score, comment=comment, via="phone" if via != "portal" else "portal", actor=actor)
