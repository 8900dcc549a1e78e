from django.urls import path

from rapport.analytics import anomaly_views, churn_views, cluster_views, credit_views, dashboard_views, olap_views, views
from rapport.analytics.dashboards.registry import BOARDS

app_name = "analytics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("rfm/", views.rfm_explained, name="rfm_explained"),
    path("segments/<slug:segment>/", views.segment_accounts, name="segment_accounts"),
    path("build/", views.build_start, name="build_start"),
    path("build/progress/", views.build_progress, name="build_progress"),
    path("accounts/<int:account_id>/profile/", views.account_profile, name="account_profile"),
    path("accounts/<int:account_id>/cross-sell/", churn_views.account_cross_sell, name="account_cross_sell"),
    path("churn/", churn_views.churn_page, name="churn"),
    path("churn/fit/", churn_views.churn_fit_now, name="churn_fit"),
    path("churn/care-tasks/", churn_views.care_tasks_start, name="care_tasks"),
    path("olap/", olap_views.explorer, name="olap"),
    path("olap/export.<str:fmt>", olap_views.explorer_export, name="olap_export"),
    path("olap/customers/", olap_views.cell_customers, name="olap_customers"),
    path("clusters/", cluster_views.clusters, name="clusters"),
    path("clusters/fit/", cluster_views.clusters_fit, name="clusters_fit"),
    path("clusters/progress/", cluster_views.clusters_progress, name="clusters_progress"),
    path("fraud-review/", anomaly_views.anomaly_queue, name="anomalies"),
    path("fraud-review/<int:pk>/", anomaly_views.anomaly_detail, name="anomaly_detail"),
    path("credit/", credit_views.credit_accounts, name="credit"),
    path("accounts/<int:account_id>/credit/", credit_views.account_credit, name="account_credit"),
    *(path(f"dashboards/{name}/", dashboard_views.dashboard, {"name": name}, name=f"dashboard_{name}") for name in BOARDS),
]
