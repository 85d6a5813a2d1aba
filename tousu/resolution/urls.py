from django.urls import path

from tousu.resolution import views

app_name = "resolution"

urlpatterns = [
    path("reports/consistency/", views.consistency, name="consistency"),
]
