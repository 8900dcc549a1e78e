from django.urls import path

from rapport.marketing import views

app_name = "marketing"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/costs/", views.cost_add, name="cost_add"),
    path("campaigns/<int:pk>/costs/<int:cost_id>/remove/", views.cost_remove, name="cost_remove"),
    path("campaigns/<int:pk>/responses/", views.response_add, name="response_add"),
    path("campaigns/<int:pk>/responses/<int:response_id>/remove/", views.response_remove, name="response_remove"),
    path("people/<str:kind>/<int:pk>/campaigns/", views.person_campaigns, name="person_campaigns"),
]
