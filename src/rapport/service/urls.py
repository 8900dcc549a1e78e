from django.urls import path

from rapport.service import views

app_name = "service"

urlpatterns = [
    path("calls/", views.screen_pop, name="screen_pop"),
    path("calls/log/", views.call_log, name="call_log"),
]
