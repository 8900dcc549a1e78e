from django.urls import path

from rapport.sales.views import board, conversion, opportunities, reports, routing

app_name = "sales"

urlpatterns = [
    path("", board.board, name="board"),
    path("board/<int:pipeline_id>/", board.board, name="pipeline_board"),
    path("opportunities/", opportunities.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", opportunities.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", opportunities.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", board.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/costs/", opportunities.cost_add, name="cost_add"),
    path("opportunities/<int:pk>/contacts/", opportunities.contact_add, name="contact_add"),
    path("opportunities/<int:pk>/competitors/", opportunities.competitor_add, name="competitor_add"),
    path("forecast/", reports.forecast_page, name="forecast"),
    path("forecast/export.csv", reports.forecast_export, name="forecast_export"),
    path("funnel/", reports.funnel_page, name="funnel"),
]

# Lead routing (assignment rules) and lead conversion.
urlpatterns += [
    path("routing/", routing.rule_list, name="assignment_rules"),
    path("routing/new/", routing.rule_create, name="assignment_rule_create"),
    path("routing/reroute/", routing.leads_reroute, name="leads_reroute"),
    path("routing/<int:pk>/edit/", routing.rule_edit, name="assignment_rule_edit"),
    path("routing/<int:pk>/move/", routing.rule_move, name="assignment_rule_move"),
    path("routing/<int:pk>/delete/", routing.rule_delete, name="assignment_rule_delete"),
    path("leads/<int:pk>/convert/", conversion.lead_convert_page, name="lead_convert"),
]
