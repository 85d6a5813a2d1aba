from django.urls import path

from tousu.classification import views as classification_views
from tousu.complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("complaints/", views.complaint_list, name="list"),
    path("complaints/export/", views.complaint_export, name="export"),
    path("watch/", views.watch, name="watch"),
    path("triage/", classification_views.triage, name="triage"),
    path("complaints/<str:number>/", views.complaint_detail, name="detail"),
    path(
        "complaints/<str:number>/evidence/<int:pk>/",
        views.evidence_download,
        name="evidence",
    ),
    path("complaints/<str:number>/<slug:action>/", views.complaint_action, name="action"),
]
