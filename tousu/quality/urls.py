from django.urls import URLPattern, path

from tousu.quality import views

app_name = "quality"

urlpatterns: list[URLPattern] = [
    # Inspection
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/score/", views.inspection_score, name="score"),
    path("inspections/<int:pk>/appeal/", views.inspection_appeal, name="appeal"),
    path("inspections/<int:pk>/decide/", views.appeal_decide, name="decide"),
    path("my-scores/", views.my_scores, name="my_scores"),
    path("scores/", views.quality_scores, name="scores"),
    path("calibration/", views.calibration_list, name="calibrations"),
    path("calibration/<int:pk>/", views.calibration_detail, name="calibration"),
    # Corrective action
    path("capa/", views.capa_list, name="capa_list"),
    path("capa/new/", views.capa_new, name="capa_new"),
    path("capa/<int:pk>/", views.capa_detail, name="capa"),
    path("capa/<int:pk>/actions/", views.capa_action_add, name="capa_action_add"),
    path(
        "capa/<int:pk>/actions/<int:action_id>/done/",
        views.capa_action_done,
        name="capa_action_done",
    ),
    path("capa/<int:pk>/verify/", views.capa_verify, name="capa_verify"),
    # Controlled documents
    path("documents/", views.document_list, name="documents"),
    path("documents/<slug:code>/", views.document_detail, name="document"),
    path("documents/<slug:code>/acknowledge/", views.document_acknowledge, name="acknowledge"),
]
