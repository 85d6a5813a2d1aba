from django.urls import path

from tousu.analytics import views

app_name = "analytics"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/report/", views.quarterly_report_download, name="report"),
    path("dashboard/review/", views.review_report_download, name="review"),
    path("dashboard/causes/", views.root_causes, name="causes"),
]
