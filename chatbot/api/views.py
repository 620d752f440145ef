"""The public chat API (CONTRACTS section 4): anonymous, JSON only, hardened for the open internet.

Every error is `{"error": {"code": ..., "message": ...}}` in the resident's
language (the body's `lang`, else the browser's first language, else
Japanese); never an HTML page or a traceback.
"""

import hashlib
import logging
import re
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chatbot import messages
from chatbot.api.ratelimit import rate_limit_check
from chatbot.models import Channel, Composer, Feedback, Outcome, Turn
from chatbot.privacy.redaction import redact
from chatbot.services import IdempotencyConflict, turn_ask
from faq.selectors import department_general_reception

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{8,128}")
COMMENT_MAX_CHARS = 1000

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
    # GET /metrics (chatbot/quality/metrics.py): for the town's monitoring, not for residents.
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


class SafeJSONParser(JSONParser):
    """JSONParser that also turns absurdly deep nesting into a 400 (Python's json recursion limit)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply") from exc


class JSONAlways(DefaultContentNegotiation):
    """The answer is JSON whatever the client's Accept (or ?format=) says, never a 406 or 404 in disguise."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> tuple[Any, str]:
        renderer = renderers[0]
        return renderer, renderer.media_type


class _Refused(APIException):
    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


class PublicAPIView(APIView):
    """Origin allowlist, size limit and rate limit before anything is parsed; errors in one JSON shape."""

    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONAlways
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    scope = "chat"
    resident_lang: str | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        lang = request_lang(request)
        origin = request.headers.get("Origin")
        if origin and origin not in _allowed_origins(request):
            raise _Refused(error_response("origin_not_allowed", status.HTTP_403_FORBIDDEN, lang))
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > settings.CHAT_MAX_BODY_BYTES:
            raise _Refused(error_response("too_large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, lang))
        wait = rate_limit_check(request, self.scope)
        if wait:
            raise _Refused(error_response("rate_limited", status.HTTP_429_TOO_MANY_REQUESTS, lang, retry_after=wait))

    def handle_exception(self, exc: Exception) -> Response:
        # The body's `lang` once the body was read (e.g. the database failed afterwards), else the browser's.
        lang = self.resident_lang or request_lang(self.request)
        if isinstance(exc, _Refused):
            return exc.response
        if isinstance(exc, UnsupportedMediaType):
            return error_response("unsupported_media_type", status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, lang)
        if isinstance(exc, ParseError):
            return error_response("invalid_json", status.HTTP_400_BAD_REQUEST, lang)
        if isinstance(exc, APIException) and exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            return error_response("method_not_allowed", status.HTTP_405_METHOD_NOT_ALLOWED, lang)
        if isinstance(exc, APIException) and exc.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE:
            return error_response("too_large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, lang)
        if isinstance(exc, APIException) and exc.status_code < 500:
            return error_response("invalid_body", status.HTTP_400_BAD_REQUEST, lang)
        if not isinstance(exc, DatabaseError):
            logger.exception("public API failed")
        return unavailable(lang)

    def body(self, request: Request, allowed: set[str]) -> dict[str, Any]:
        data = request.data
        if not isinstance(data, dict):
            raise _Refused(error_response("invalid_body", status.HTTP_400_BAD_REQUEST, request_lang(request)))
        self.resident_lang = request_lang(request, data)
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise _Refused(
                error_response(
                    "unknown_field", status.HTTP_400_BAD_REQUEST, request_lang(request, data), fields=", ".join(unknown)
                )
            )
        return data


def unavailable(lang: str) -> Response:
    """503 with Retry-After and the town's phone number, when the database or something else is down."""
    try:
        reception = department_general_reception()
        name = messages.department_name(reception, lang) if reception else ""
        contact = f"{name} {reception.phone}".strip() if reception else ""
    except DatabaseError:
        contact = ""
    contact = contact or ("the town office" if lang == "en" else "役場")
    return error_response("unavailable", status.HTTP_503_SERVICE_UNAVAILABLE, lang, retry_after=30, contact=contact)


def _allowed_origins(request: HttpRequest) -> set[str]:
    own = f"{request.scheme}://{request.get_host()}"
    return {own, *settings.CHAT_ALLOWED_ORIGINS}


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF's CharField would take 123 as "123"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: DRF's IntegerField would take "12", 12.0 and true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only: DRF's BooleanField would take "yes", "1", 1 and "off"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ChatRequestSerializer(serializers.Serializer):
    question = StrictCharField(allow_blank=True, trim_whitespace=False, help_text="The resident's question.")
    session_id = StrictCharField(required=False, allow_blank=True, max_length=100)
    lang = StrictCharField(required=False, allow_blank=True, help_text="ja or en; default: detected.")
    faq_id = StrictIntegerField(
        required=False, min_value=1, help_text="The FAQ the resident picked from a clarify choice: it is answered."
    )


class FaqRefSerializer(serializers.Serializer):
    faq_id = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    question = serializers.CharField()
    score = serializers.FloatField()


class SourceSerializer(FaqRefSerializer):
    source_url = serializers.CharField(
        help_text="The FAQ's source page, or else the FAQ's own page on this site (an absolute URL)."
    )
    updated = serializers.DateField()


class ContactSerializer(serializers.Serializer):
    department = serializers.CharField()
    department_en = serializers.CharField()
    phone = serializers.CharField()
    window = serializers.CharField()
    hours = serializers.CharField()
    closed_days = serializers.CharField()


class ChatResponseSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    answer = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField()
    sources = SourceSerializer(many=True)
    candidates = FaqRefSerializer(many=True)
    choices = FaqRefSerializer(many=True, required=False)
    related = FaqRefSerializer(many=True, required=False)
    handoff = ContactSerializer(required=False, allow_null=True)
    contact = ContactSerializer(required=False, allow_null=True)
    turn_id = serializers.UUIDField()
    lang = serializers.CharField()
    failure_class = serializers.CharField(allow_null=True)
    composer = serializers.ChoiceField(
        choices=Composer.choices,
        required=False,
        help_text="With outcome answer: 'llm' for a checked LLM reply, 'extractive' for the FAQ's own text.",
    )


class ErrorSerializer(serializers.Serializer):
    error = serializers.DictField(child=serializers.CharField())


class FeedbackResponseSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    turn_id = serializers.UUIDField()


class FeedbackRequestSerializer(serializers.Serializer):
    turn_id = serializers.UUIDField()
    helpful = StrictBooleanField()
    comment = StrictCharField(required=False, allow_blank=True, max_length=COMMENT_MAX_CHARS)


def stored_idempotency_key(key: str) -> str:
    """The turn's key: "http:" and the client's key, hashed when that would not fit the column (128)."""
    stored = f"http:{key}"
    if len(stored) > (Turn._meta.get_field("idempotency_key").max_length or 128):
        stored = f"http:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return stored


class ChatView(PublicAPIView):
    scope = "chat"

    @extend_schema(
        request=ChatRequestSerializer,
        responses={
            200: ChatResponseSerializer,
            400: ErrorSerializer,
            409: ErrorSerializer,
            413: ErrorSerializer,
            415: ErrorSerializer,
            429: ErrorSerializer,
            503: ErrorSerializer,
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=True,
                pattern=r"^[A-Za-z0-9_-]{8,128}$",
                description="8-128 letters, digits, - or _ (a UUID will do).",
            )
        ],
        summary="Ask a question",
        description="The same Idempotency-Key sent again returns the stored response and never makes a second turn.",
    )
    def post(self, request: Request) -> Response:
        data = self.body(request, {"question", "session_id", "lang", "faq_id"})
        lang = request_lang(request, data)
        key = request.headers.get("Idempotency-Key", "")
        if not IDEMPOTENCY_KEY.fullmatch(key):
            return error_response("idempotency_key", status.HTTP_400_BAD_REQUEST, lang)
        serializer = ChatRequestSerializer(data=data)
        if not serializer.is_valid():
            return error_response("invalid_body", status.HTTP_400_BAD_REQUEST, lang)
        channel = Channel.WEB if request.headers.get("X-Chat-Client") == "widget" else Channel.API
        try:
            response = turn_ask(
                question=serializer.validated_data["question"],
                channel=channel,
                lang=serializer.validated_data.get("lang") or None,
                idempotency_key=stored_idempotency_key(key),
                chosen_faq=serializer.validated_data.get("faq_id"),
                session_id=serializer.validated_data.get("session_id", ""),
                site_url=request.build_absolute_uri("/"),
            )
        except IdempotencyConflict as conflict:
            return error_response(
                "idempotency_conflict", status.HTTP_409_CONFLICT, lang, turn=conflict.turn.response or None
            )
        if response["outcome"] == Outcome.REJECTED:
            body = {
                "error": {"code": "invalid_question", "message": response["answer"]},
                "turn_id": response["turn_id"],
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(response)


class FeedbackView(PublicAPIView):
    scope = "feedback"

    @extend_schema(
        request=FeedbackRequestSerializer,
        responses={200: FeedbackResponseSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        summary="Helpful or not helpful, with an optional comment",
    )
    def post(self, request: Request) -> Response:
        data = self.body(request, {"turn_id", "helpful", "comment"})
        lang = request_lang(request, data)
        serializer = FeedbackRequestSerializer(data=data)
        if not serializer.is_valid():
            return error_response("invalid_body", status.HTTP_400_BAD_REQUEST, lang)
        turn_id: uuid.UUID = serializer.validated_data["turn_id"]
        turn = Turn.objects.filter(pk=turn_id, channel__in=[Channel.WEB, Channel.API]).first()
        if turn is None:
            return error_response("unknown_turn", status.HTTP_400_BAD_REQUEST, lang)
        comment = redact(serializer.validated_data.get("comment", "")).text.replace("\x00", "")
        Feedback.objects.update_or_create(
            turn=turn, defaults={"helpful": serializer.validated_data["helpful"], "comment": comment}
        )
        return Response({"ok": True, "turn_id": str(turn.pk)})


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


class SchemaView(SpectacularAPIView):
    """The OpenAPI document; its errors (unknown format, wrong method, unacceptable Accept) in the API's JSON shape."""

    def handle_exception(self, exc: Exception) -> Response:
        codes = {
            drf_exceptions.NotFound: ("not_found", 404),
            Http404: ("not_found", 404),
            drf_exceptions.MethodNotAllowed: ("method_not_allowed", 405),
            drf_exceptions.NotAcceptable: ("not_acceptable", 406),
        }
        for kind, (code, status_code) in codes.items():
            if isinstance(exc, kind):
                japanese, english = ERRORS[code]
                message = english if request_lang(self.request) == "en" else japanese
                return JsonResponse(  # type: ignore[return-value]
                    {"error": {"code": code, "message": message}}, status=status_code
                )
        return super().handle_exception(exc)


def schema_postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """The request bodies exactly as strict as the server: no unknown fields, `lang` ja/en, the question's limit."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in ("ChatRequest", "FeedbackRequest"):
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    chat = schemas.get("ChatRequest", {}).get("properties", {})
    if "lang" in chat:
        chat["lang"]["enum"] = ["ja", "en", ""]
    if "question" in chat:
        chat["question"]["maxLength"] = settings.CHAT_MAX_QUESTION_CHARS
    return result
