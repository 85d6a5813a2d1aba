from django.urls import include, path

from .views import bare_register

urlpatterns = [
    path("api/bench/bare", bare_register),
    path("", include("tousu.config.urls")),
]
