from django.urls import path

from tousu.early_warning import views

app_name = "early_warning"

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_ack, name="acknowledge"),
    path("care/", views.care_list, name="care"),
    path("care/faults/<int:pk>/", views.fault_detail, name="fault"),
    path("care/faults/<int:pk>/reveal/", views.fault_reveal, name="fault_reveal"),
    path("care/items/<int:pk>/record/", views.care_record, name="care_record"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("incidents/<int:pk>/complaints/", views.incident_complaints, name="incident_complaints"),
    path(
        "incidents/<int:pk>/complaints/<str:number>/remove/",
        views.incident_complaint_remove,
        name="incident_complaint_remove",
    ),
    path("incidents/<int:pk>/statement/", views.incident_statement, name="incident_statement"),
    path(
        "incidents/<int:pk>/statement/<int:version>/approve/",
        views.statement_approve,
        name="statement_approve",
    ),
    path("incidents/<int:pk>/media/", views.incident_media, name="incident_media"),
    path("incidents/<int:pk>/resolve/", views.incident_resolve, name="incident_resolve"),
    path("incidents/<int:pk>/actions/<str:kind>/", views.incident_action, name="incident_action"),
    path("incidents/<int:pk>/close/", views.incident_close, name="incident_close"),
    path(
        "incidents/proposals/<int:pk>/<str:decision>/",
        views.proposal_decide,
        name="proposal_decide",
    ),
]
