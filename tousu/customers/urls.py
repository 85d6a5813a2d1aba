from django.urls import path

from tousu.customers import views

app_name = "customers"

urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/special/", views.special, name="special"),
]
