from django.contrib import admin
from django.urls import include, path

from rapport.api.api import api, unmatched_path

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unmatched_path, name="api_unmatched"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sales/", include("rapport.sales.urls")),
    path("marketing/", include("rapport.marketing.urls")),
    path("service/", include("rapport.service.urls")),
    path("analytics/", include("rapport.analytics.urls")),
    path("", include("rapport.web.urls")),
]
