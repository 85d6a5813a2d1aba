from django.urls import path

from tousu.intake import views

app_name = "intake"

urlpatterns = [
    path("public/", views.public_submit, name="public_submit"),
    path("public/receipt/", views.public_receipt, name="public_receipt"),
    path("public/status/", views.public_status, name="public_status"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors/", views.import_errors, name="import_errors"),
]
