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
]
