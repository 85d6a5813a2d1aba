"""The desk's pages: complaints as staff work them (namespace `desk`) and the customer 360° page
(namespace `customers`, mounted under /customers/ by the project's URLs)."""

from django.urls import path

from tousu.desk import authority_reply, customers, register, views
from tousu.desk.actions import knowledge

app_name = "desk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("complaints/", views.complaint_list, name="list"),
    path("complaints/export/", views.complaint_export, name="export"),
    path("complaints/bulk/", views.complaint_bulk, name="bulk"),
    path("complaints/views/", views.saved_view_save, name="view_save"),
    path("complaints/views/<int:pk>/delete/", views.saved_view_delete, name="view_delete"),
    path("watch/", views.watch, name="watch"),
    path("register/", register.register_page, name="register"),
    path("register/customer/", register.customer_lookup, name="customer_lookup"),
    path("triage/", views.triage, name="triage"),
    path("triage/classifier/", views.classifier, name="classifier"),
    path("complaints/<str:number>/", views.complaint_detail, name="detail"),
    path(
        "complaints/<str:number>/evidence/<int:pk>/",
        views.evidence_download,
        name="evidence",
    ),
    path(
        "complaints/<str:number>/authority-reply.pdf",
        authority_reply.authority_reply,
        name="authority_reply",
    ),
    path("complaints/<str:number>/<slug:action>/", views.complaint_action, name="action"),
    path(
        "knowledge/cases/from/<str:number>/",
        knowledge.case_from_complaint,
        name="case_from_complaint",
    ),
]

customer_urlpatterns = [
    path("<int:pk>/", customers.detail, name="detail"),
    path("<int:pk>/reveal/", customers.reveal, name="reveal"),
    path("<int:pk>/special/", customers.special, name="special"),
    path("<int:pk>/contact/", customers.contact, name="contact"),
]
