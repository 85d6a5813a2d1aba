from django.urls import path

from tousu.repair import views

app_name = "repair"

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/action/", views.case_action, name="action"),
    path("<int:pk>/close/", views.case_close, name="close"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
]
