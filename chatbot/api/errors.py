"""The API's error bodies: the texts in Japanese and English, `error_response`, and the JSON 404 and 400 handlers."""

from typing import Any

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework.response import Response

ERRORS: dict[str, Any] = {
    "invalid_json": _("The request body is not valid JSON."),
    "unsupported_media_type": _("Send the request as application/json."),
    "too_large": _("The request is too large."),
    "rate_limited": _("Too many requests. Please wait a moment and try again."),
    "origin_not_allowed": _("This site may not use the chat."),
    "idempotency_key": _("An Idempotency-Key header (8-128 letters, digits, - or _) is required."),
    "idempotency_conflict": _("This Idempotency-Key was already used for a different question."),
    "invalid_body": _("The request body is not valid."),
    "unknown_field": _("Unknown fields: {fields}"),
    "unknown_turn": _("No such turn."),
    "not_found": _("Not found."),
    "bad_host": _("This host name is not served here."),
    "bad_request": _("Bad request."),
    "method_not_allowed": _("Method not allowed."),
    "not_acceptable": _("The requested format is not available."),
    "unavailable": _("The service is busy. Please try again later or contact {contact}."),
    # GET /metrics (chatbot/quality/exposition.py): for the town's monitoring, not for residents.
    "metrics_token": _("The metrics need a valid token (Authorization: Bearer)."),
    "metrics_local_only": _(
        "The metrics are served on this machine only (set METRICS_TOKEN to scrape them from elsewhere)."
    ),
}


def error_text(code: str, lang: str, **values: str) -> str:
    """An error's text in the request's language (Japanese translations in locale/ja)."""
    with translation.override("en" if lang == "en" else "ja"):
        return str(ERRORS[code]).format(**values)


def request_lang(request: HttpRequest, data: Any = None) -> str:
    if isinstance(data, dict) and data.get("lang") in ("ja", "en"):
        return str(data["lang"])
    first = request.headers.get("Accept-Language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "ja"


def error_response(code: str, http_status: int, lang: str, *, retry_after: int | None = None, **extra: Any) -> Response:
    values = {key: value for key, value in extra.items() if isinstance(value, str)}
    message = error_text(code, lang, **values)
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    body |= {key: value for key, value in extra.items() if not isinstance(value, str)}
    response = Response(body, status=http_status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/v1/: the same JSON error shape, never Django's HTML 404 page."""
    message = error_text("not_found", request_lang(request))
    return JsonResponse({"error": {"code": "not_found", "message": message}}, status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (a Host header not in ALLOWED_HOSTS, or another suspicious request): JSON under /api/, like
    every other answer there; the usual HTML page elsewhere."""
    if not request.path_info.startswith("/api/"):
        return defaults.bad_request(request, exception)
    code = "bad_host" if isinstance(exception, DisallowedHost) else "bad_request"
    message = error_text(code, request_lang(request))
    return JsonResponse({"error": {"code": code, "message": message}}, status=400)
