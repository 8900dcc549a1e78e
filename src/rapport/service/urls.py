from django.urls import path

from rapport.service import case_views, survey_views, views

app_name = "service"

urlpatterns = [
    path("calls/", views.screen_pop, name="screen_pop"),
    path("calls/log/", views.call_log, name="call_log"),
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/new/", case_views.case_create, name="case_create"),
    path("cases/contacts/", case_views.case_contacts, name="case_contacts"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", case_views.case_edit, name="case_edit"),
    path("cases/<int:pk>/resolve/", case_views.case_resolve, name="case_resolve"),
    path("cases/<int:pk>/status/", case_views.case_status, name="case_status"),
    path("cases/<int:pk>/satisfaction/", survey_views.survey_record, name="survey_record"),
    path("accounts/<int:pk>/cases/", case_views.account_cases, name="account_cases"),
    # The customer's answer to the emailed survey: no sign-in, the token in the link is the key.
    path("survey/<str:token>/", survey_views.survey_answer, name="survey_answer"),
]
