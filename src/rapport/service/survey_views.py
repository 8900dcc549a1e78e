"""Satisfaction pages: the customer's answer page behind the emailed link (no sign-in: the token is the key), and the
agent's form on the case page for a score heard on the phone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rapport.common.errors import Conflict, NotFound
from rapport.service import surveys
from rapport.service.case_views import act_on_case, case_or_404
from rapport.service.forms import PhoneScoreForm, SurveyAnswerForm
from rapport.service.surveys import SCORES


@never_cache
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The page the emailed link opens, in the language of the person asked; answered once."""
    try:
        survey = surveys.survey_by_token(token)
    except NotFound:
        raise Http404("survey") from None
    # The language the person was asked in, unless they switched on the page.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    with translation.override(chosen if chosen in dict(settings.LANGUAGES) else surveys.language_of(survey.case)):
        form = SurveyAnswerForm(request.POST or None)
        status = 200
        if request.method == "POST" and survey.answered_at is None:
            if form.is_valid():
                try:
                    survey = surveys.survey_answer(token=token, data=form.cleaned_data)
                except Conflict:  # answered in another tab meanwhile: show that answer
                    survey = surveys.survey_by_token(token)
            else:
                status = 422
        context: dict[str, Any] = {"survey": survey, "form": form, "scores": SCORES}
        return render(request, "service/survey_answer.html", context, status=status)


@login_required
@require_POST
def survey_record(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent records the score the customer gave on the phone."""
    user, record = case_or_404(request, pk)
    form = PhoneScoreForm(request.POST)
    return act_on_case(
        request,
        pk,
        "survey",
        form,
        lambda data: surveys.survey_record(actor=user, case=record, data=data),
        _("Satisfaction recorded."),
    )
