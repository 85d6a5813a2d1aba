from django.contrib import admin
from django.urls import include, path

from tousu.config.api import api
from tousu.desk.urls import customer_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tousu.accounts.urls")),
    path("", include("tousu.desk.urls")),
    path("", include("tousu.intake.urls")),
    path("customers/", include((customer_urlpatterns, "customers"))),
    path("notifications/", include("tousu.notifications.urls")),
    path("", include("tousu.resolution.urls")),
    path("knowledge/", include("tousu.knowledge.urls")),
    path("", include("tousu.analytics.urls")),
    path("", include("tousu.early_warning.urls")),
    path("repair/", include("tousu.repair.urls")),
    path("quality/", include("tousu.quality.urls")),
]
