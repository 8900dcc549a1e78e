from django.contrib.auth import views as auth_views
from django.urls import path

from rapport.web import views

app_name = "web"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.home, name="home"),
    path("accounts/", views.home, name="account_list"),
    path("contacts/", views.home, name="contact_list"),
    path("leads/", views.home, name="lead_list"),
    path("timeline/", views.home, name="interaction_list"),
]
