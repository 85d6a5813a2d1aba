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
    # The customer's own page (issue 17): a code by SMS, then the page of that one complaint.
    path("public/mine/", views.page_login, name="page_login"),
    path("public/mine/logout/", views.page_logout, name="page_logout"),
    path("public/mine/<str:number>/", views.page_detail, name="page"),
    path("public/mine/<str:number>/note/", views.page_note, name="page_note"),
    path("public/mine/<str:number>/accept/", views.page_accept_view, name="page_accept"),
    path("public/mine/<str:number>/reopen/", views.page_reopen_view, name="page_reopen"),
    path("public/survey/<str:token>/", views.survey, name="survey"),
]
