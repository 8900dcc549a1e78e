from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path

from rapport.web.views import (
    account,
    activities,
    attachments,
    auth,
    calendar,
    home,
    lead_imports,
    lists,
    records,
    search,
    skipped_mail,
    timeline,
)

app_name = "web"


def _record_urls(kind: str, plural: str) -> list[URLPattern]:
    """The same seven pages for accounts, contacts and leads."""
    kw = {"kind": kind}
    return [
        path(f"{plural}/", lists.record_list, kw, name=f"{kind}_list"),
        path(f"{plural}/export.csv", lists.record_export, kw, name=f"{kind}_export"),
        path(f"{plural}/new/", records.record_create, kw, name=f"{kind}_create"),
        path(f"{plural}/<int:pk>/", records.record_detail, kw, name=f"{kind}_detail"),
        path(f"{plural}/<int:pk>/edit/", records.record_edit, kw, name=f"{kind}_edit"),
        path(f"{plural}/<int:pk>/delete/", records.record_delete, kw, name=f"{kind}_delete"),
        path(f"{plural}/<int:pk>/log/", records.interaction_log, kw, name=f"{kind}_log"),
    ]


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("login/verify/", account.login_verify, name="login_verify"),
    path("password-reset/", account.password_reset, name="password_reset"),
    path("password-reset/<str:uidb64>/<str:token>/", account.password_reset_confirm, name="password_reset_confirm"),
    path("language/", auth.language_switch, name="set_language"),
    path("account/security/", account.security, name="account_security"),
    path("account/logout-everywhere/", account.logout_everywhere, name="logout_everywhere"),
    path("account/two-factor/", account.two_factor_page, name="two_factor"),
    path("account/two-factor/recovery-codes/", account.recovery_codes, name="recovery_codes"),
    path("account/two-factor/off/", account.two_factor_disable, name="two_factor_disable"),
    path("", home.home, name="home"),
    path("soon/<slug:domain>/", home.coming_soon, name="coming_soon"),
    *_record_urls("account", "accounts"),
    *_record_urls("contact", "contacts"),
    *_record_urls("lead", "leads"),
    path("leads/import/", lead_imports.lead_import_upload, name="lead_import"),
    path("leads/imports/<int:pk>/", lead_imports.lead_import_detail, name="lead_import_detail"),
    path("leads/imports/<int:pk>/progress/", lead_imports.lead_import_progress, name="lead_import_progress"),
    path("leads/imports/<int:pk>/confirm/", lead_imports.lead_import_confirm, name="lead_import_confirm"),
    path("timeline/", timeline.interaction_list, name="interaction_list"),
    path("interactions/attachments/<int:pk>/", attachments.interaction_attachment, name="interaction_attachment"),
    path("mail/skipped/", skipped_mail.skipped_mail_list, name="skipped_mail_list"),
    path("mail/skipped/<int:pk>/", skipped_mail.skipped_mail_detail, name="skipped_mail_detail"),
    path("search/", search.search_page, name="search"),
    path("search/suggest/", search.search_suggest, name="search_suggest"),
    path("pick/<str:kind>/", search.pick, name="pick"),
    path("my-day/add/", home.quick_add, name="quick_add"),
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_create, name="activity_create"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", activities.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/complete/", activities.activity_complete, name="activity_complete"),
    path("activities/<int:pk>/cancel/", activities.activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/reopen/", activities.activity_reopen, name="activity_reopen"),
    path("activities/<int:pk>/ics/", activities.activity_ics_download, name="activity_ics"),
    path("activities/for/<str:kind>/<int:pk>/", activities.record_activities, name="record_activities"),
    path("reminders/", calendar.reminders, name="reminders"),
    path("reminders/<int:pk>/dismiss/", calendar.reminder_dismiss, name="reminder_dismiss"),
    path("reminders/<int:pk>/snooze/", calendar.reminder_snooze, name="reminder_snooze"),
    path("my-calendar/", calendar.my_calendar, name="my_calendar"),
    path("calendar/<str:secret>.ics", calendar.calendar_feed, name="calendar_feed"),
]
