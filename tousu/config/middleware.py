"""Middleware of the wiring: it knows the API object, which the apps below may not import."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from tousu.config.api import error_response

API_PREFIX = "/api/v1/"


class ApiErrorShapeMiddleware:
    """Answers under /api/v1/ that the API itself did not make — Django's 404 for a path it
    does not know, django-ninja's 405 for a method a path does not take — get the API's one
    error shape instead of an HTML page or plain text, so clients parse every failure alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # the API's own answer, already in shape
        if response.status_code == 404:
            return error_response(request, 404, "not_found", _("The API has no such address."))
        shaped = error_response(
            request,
            405,
            "method_not_allowed",
            _("This address does not take %(method)s; it takes %(allowed)s.")
            % {"method": request.method, "allowed": response.get("Allow", "")},
        )
        shaped["Allow"] = response.get("Allow", "")
        return shaped
