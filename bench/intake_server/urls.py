from django.urls import include, path

from .views import bare_list, bare_list_page, bare_register

urlpatterns = [
    path("api/bench/bare", bare_register),
    path("api/bench/bare-list", bare_list),
    path("bench/bare-list", bare_list_page),
    path("", include("tousu.config.urls")),
]
