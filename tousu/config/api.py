"""The REST API (D2): one NinjaAPI, token auth, and one error shape for every failure:
`{"error": {"code": …, "message": …, "fields": {…}}}` (API.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema
from ninja.security import HttpBearer

from tousu.accounts.services import token_authenticate
from tousu.core.api import ERROR_DESCRIPTIONS, Error
from tousu.core.errors import DomainError, Duplicate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class VendoredSwagger(Swagger):
    """The docs page with Swagger UI from tousu/static/vendor/swagger-ui: django-ninja's own page
    loads it from a CDN (without SRI) unless "ninja" is an installed app, and operators' intranets
    reach no CDN. Started by a static script, as the Content-Security-Policy requires."""

    template = "api/docs.html"
    default_settings = {
        **Swagger.default_settings,
        # No badge image from validator.swagger.io (the default): no internet, and the CSP
        # allows images from this server only.
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"api": api, "swagger_settings": settings})


def implied_errors(operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer whatever it does, from its shape alone: the
    handlers below give them before or around any endpoint's own code.

    - 401: it needs a token (TokenAuth);
    - 400: it takes input — a body that is not JSON, or a NUL character that PostgreSQL
      refuses (DataError), in the body or a parameter;
    - 413: it takes a body, which may exceed DATA_UPLOAD_MAX_MEMORY_SIZE;
    - 422: it takes a body, which is validated, or its path names an object by an integer id
      that may not be one (query parameters that can be invalid are declared by their
      operation);
    - 404: its path names an object ({number}), which may not exist or be out of scope."""
    places = {p["in"] for p in operation.get("parameters", [])}
    body = "requestBody" in operation
    found = set()
    if operation.get("security"):
        found.add(401)
    if body or places:
        found.add(400)
    if body:
        found |= {413, 422}
    if any(
        p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
        for p in operation.get("parameters", [])
    ):
        found.add(422)
    if "path" in places:
        found.add(404)
    return found


def error_schema_definitions() -> dict[str, Any]:
    """`Error` and what it refers to, as the document's components, named as django-ninja
    names them when an operation declares `errors(…)`."""
    schema = Error.model_json_schema(
        ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode="serialization"
    )
    definitions = schema.pop("$defs", {})
    return {**definitions, "Error": schema}


def document_errors(document: dict[str, Any]) -> None:
    """Adds the implied error responses to every operation of the document, all with the one
    `Error` schema, in the order of their status codes."""
    document["components"]["schemas"].update(error_schema_definitions())
    error_content = {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="Error")}}}
    for item in document["paths"].values():
        for operation in item.values():
            responses = operation["responses"]
            for status in implied_errors(operation):
                responses.setdefault(
                    status, {"description": ERROR_DESCRIPTIONS[status], "content": error_content}
                )
            for status, response in responses.items():
                if status in ERROR_DESCRIPTIONS:
                    response["description"] = ERROR_DESCRIPTIONS[status]
            operation["responses"] = dict(sorted(responses.items()))


class TousuAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(document)
        return document


api = TousuAPI(
    title="Tousu API",
    version="1",
    description="投诉管理系统 API. See API.md for the contract.",
    auth=TokenAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=VendoredSwagger(),
)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    existing: str | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if existing:
        body["existing"] = existing
    return api.create_response(request, {"error": body}, status=status)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # ninja prefixes locations with the parameter source ("body", "query") and the argument
    # name; clients want the name of the field they sent.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form", "file"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "data", "body", "filters", "params"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


# Our words for pydantic's error types, lazy: each request reads them in its own language. Any
# other type keeps pydantic's own (English) message.
_TYPE_MESSAGES: dict[str, Promise] = {
    "missing": gettext_lazy("Required"),  # as core.errors.required_message
    "extra_forbidden": gettext_lazy("Field not allowed"),
    "string_type": gettext_lazy("Must be a string"),
    "bool_type": gettext_lazy("Must be true or false"),
    "bool_parsing": gettext_lazy("Must be true or false"),
    "int_type": gettext_lazy("Must be a whole number"),
    "int_parsing": gettext_lazy("Must be a whole number"),
    "float_parsing": gettext_lazy("Must be a number"),
    "datetime_from_date_parsing": gettext_lazy("Invalid time; use ISO 8601"),
    "datetime_parsing": gettext_lazy("Invalid time; use ISO 8601"),
    "literal_error": gettext_lazy("Invalid value"),
    "enum": gettext_lazy("Invalid value"),
}


def _error_message(err: dict[str, Any]) -> str:
    error_type = str(err.get("type"))
    expected = err.get("ctx", {}).get("expected")
    if error_type in {"literal_error", "enum"} and expected:
        return _("Invalid value; one of: %(expected)s") % {"expected": expected}
    if error_type in _TYPE_MESSAGES:
        return str(_TYPE_MESSAGES[error_type])
    return str(err.get("msg") or _("Invalid"))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        fields.setdefault(_field_name(err.get("loc", ())), []).append(_error_message(err))
    return error_response(request, 422, "validation_error", _("The input is invalid"), fields)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    existing = exc.existing if isinstance(exc, Duplicate) else None
    return error_response(request, exc.status, exc.code, exc.message, exc.fields, existing)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, "unauthorized", _("A valid API token is required (Authorization: Bearer …)")
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(
            request, 400, "malformed_json", _("The request body is not valid JSON")
        )
    code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Does not exist"))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, 413, "payload_too_large", _("The request body is too large"))


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # Input the database cannot hold or compare, e.g. a NUL character in a query parameter
    # (PostgreSQL refuses it): the client's input, not a server failure.
    return error_response(
        request, 400, "bad_request", _("The request holds characters or numbers we cannot process")
    )


def _register_routers() -> None:
    from tousu.analytics.api import reports_router as analytics_reports_router
    from tousu.analytics.api import router as stats_router
    from tousu.callbacks.api import router as callbacks_router
    from tousu.desk import register  # noqa: F401  (adds POST /complaints to the desk's router)
    from tousu.desk.actions.knowledge import router as knowledge_router
    from tousu.desk.api import me_router
    from tousu.desk.api import router as complaints_router
    from tousu.early_warning.api import forecast_router, incidents_router
    from tousu.early_warning.api import router as alerts_router
    from tousu.intake.api import public_router
    from tousu.messages.api import receipts_router
    from tousu.messages.api import router as messages_router
    from tousu.quality.api import capa_router, documents_router, inspections_router
    from tousu.repair.api import reports_router as repair_reports_router
    from tousu.repair.api import router as repair_router
    from tousu.resolution.api import reports_router

    api.add_router("/complaints", complaints_router)
    api.add_router("/public", public_router)
    api.add_router("/stats", stats_router)
    api.add_router("/complaints", knowledge_router)  # /{number}/suggestion, /{number}/case
    api.add_router("/reports", reports_router)
    api.add_router("/reports", analytics_reports_router)  # /satisfaction-drivers
    api.add_router("/me", me_router)
    api.add_router("/alerts", alerts_router)
    api.add_router("/forecast", forecast_router)
    api.add_router("/incidents", incidents_router)
    api.add_router("/callbacks", callbacks_router)
    api.add_router("/repair", repair_router)
    api.add_router("/reports", repair_reports_router)  # /reports/repair
    api.add_router("/inspections", inspections_router)
    api.add_router("/capa", capa_router)
    api.add_router("/documents", documents_router)
    api.add_router("/complaints", messages_router)  # /{number}/messages
    api.add_router("/messages", receipts_router)  # /receipts/http, the SMS platform's


_register_routers()
