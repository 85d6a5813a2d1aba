from django.urls import path

from tousu.intake import views
from tousu.intake.wechat import views as wechat_views

app_name = "intake"

urlpatterns = [
    path("public/", views.public_submit, name="public_submit"),
    path("public/receipt/", views.public_receipt, name="public_receipt"),
    path("public/status/", views.public_status, name="public_status"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("public/wechat/", wechat_views.webhook, name="wechat"),
]
