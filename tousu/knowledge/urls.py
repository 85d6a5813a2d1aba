from django.urls import path

from tousu.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("wording/", views.wording_list, name="wording"),
    # Before the article's address, which would take "new" for a key.
    path("wording/new/", views.wording_article_new, name="wording_article_new"),
    path("wording/<slug:key>/", views.wording_detail, name="wording_article"),
    path("wording/<slug:key>/changes/", views.wording_changes, name="wording_changes"),
    path("wording/<slug:key>/versions/new/", views.wording_version_new, name="wording_version_new"),
]
