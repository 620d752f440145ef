"""The API's error bodies: the texts in Japanese and English, `error_response`, and the JSON 404 and 400 handlers."""

from typing import Any

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.response import Response

ERRORS: dict[str, tuple[str, str]] = {
    "invalid_json": ("JSON の形式が正しくありません。", "The request body is not valid JSON."),
    "unsupported_media_type": (
        "Content-Type は application/json にしてください。",
        "Send the request as application/json.",
    ),
    "too_large": ("リクエストが大きすぎます。", "The request is too large."),
    "rate_limited": (
        "短時間に多くの質問が送られました。しばらくしてからお試しください。",
        "Too many requests. Please wait a moment and try again.",
    ),
    "origin_not_allowed": ("このサイトからは利用できません。", "This site may not use the chat."),
    "idempotency_key": (
        "Idempotency-Key ヘッダー（英数字8〜128文字）が必要です。",
        "An Idempotency-Key header (8-128 letters, digits, - or _) is required.",
    ),
    "idempotency_conflict": (
        "この Idempotency-Key は別の質問に使われています。",
        "This Idempotency-Key was already used for a different question.",
    ),
    "invalid_body": ("リクエストの内容が正しくありません。", "The request body is not valid."),
    "unknown_field": ("不明な項目があります：{fields}", "Unknown fields: {fields}"),
    "unknown_turn": ("対象の会話が見つかりません。", "No such turn."),
    "not_found": ("ページが見つかりません。", "Not found."),
    "bad_host": ("このホスト名では利用できません。", "This host name is not served here."),
    "bad_request": ("リクエストが正しくありません。", "Bad request."),
    "method_not_allowed": ("この方法では利用できません。", "Method not allowed."),
    "not_acceptable": ("この形式では返せません。", "The requested format is not available."),
    "unavailable": (
        "ただいま混み合っています。しばらくしてから、または{contact}へお問い合わせください。",
        "The service is busy. Please try again later or contact {contact}.",
    ),
    # GET /metrics (chatbot/quality/exposition.py): for the town's monitoring, not for residents.
    "metrics_token": (
        "メトリクスの取得には正しいトークン（Authorization: Bearer）が必要です。",
        "The metrics need a valid token (Authorization: Bearer).",
    ),
    "metrics_local_only": (
        "メトリクスはこのサーバー上からのみ取得できます（他の場所からは METRICS_TOKEN を設定してください）。",
        "The metrics are served on this machine only (set METRICS_TOKEN to scrape them from elsewhere).",
    ),
}


def request_lang(request: HttpRequest, data: Any = None) -> str:
    if isinstance(data, dict) and data.get("lang") in ("ja", "en"):
        return str(data["lang"])
    first = request.headers.get("Accept-Language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "ja"


def error_response(code: str, http_status: int, lang: str, *, retry_after: int | None = None, **extra: Any) -> Response:
    japanese, english = ERRORS[code]
    values = {key: value for key, value in extra.items() if isinstance(value, str)}
    message = (english if lang == "en" else japanese).format(**values)
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    body |= {key: value for key, value in extra.items() if not isinstance(value, str)}
    response = Response(body, status=http_status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/v1/: the same JSON error shape, never Django's HTML 404 page."""
    japanese, english = ERRORS["not_found"]
    message = english if request_lang(request) == "en" else japanese
    return JsonResponse({"error": {"code": "not_found", "message": message}}, status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (a Host header not in ALLOWED_HOSTS, or another suspicious request): JSON under /api/, like
    every other answer there; the usual HTML page elsewhere."""
    if not request.path_info.startswith("/api/"):
        return defaults.bad_request(request, exception)
    code = "bad_host" if isinstance(exception, DisallowedHost) else "bad_request"
    japanese, english = ERRORS[code]
    message = english if request_lang(request) == "en" else japanese
    return JsonResponse({"error": {"code": code, "message": message}}, status=400)
