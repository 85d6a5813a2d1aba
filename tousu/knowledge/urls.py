from django.urls import path

from tousu.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/from/<str:number>/", views.case_from_complaint, name="case_from_complaint"),
    path("wording/", views.wording_list, name="wording"),
    path("wording/<slug:key>/", views.wording_detail, name="wording_article"),
    path("wording/<slug:key>/changes/", views.wording_changes, name="wording_changes"),
]
