from django.urls import path

from tousu.early_warning import views

app_name = "early_warning"

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_ack, name="acknowledge"),
]
