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
]
