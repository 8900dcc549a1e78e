from django.urls import path

from rapport.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("rfm/", views.rfm_explained, name="rfm_explained"),
    path("segments/<slug:segment>/", views.segment_accounts, name="segment_accounts"),
    path("build/", views.build_start, name="build_start"),
    path("build/progress/", views.build_progress, name="build_progress"),
    path("accounts/<int:account_id>/profile/", views.account_profile, name="account_profile"),
]
