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
from django.db import DatabaseError
from django.http import Http404, HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chatbot import messages
from chatbot.api.errors import error_response, error_text, request_lang
from chatbot.api.ratelimit import rate_limit_check
from chatbot.api.serializers import (
    ChatRequestSerializer,
    ChatResponseSerializer,
    ErrorSerializer,
    FeedbackRequestSerializer,
    FeedbackResponseSerializer,
)
from chatbot.models import Channel, Outcome, Turn
from chatbot.pipeline import IdempotencyConflict, turn_ask
from chatbot.services import feedback_record
from faq.selectors import department_general_reception

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{8,128}")


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
        turn = feedback_record(
            turn_id=turn_id,
            helpful=serializer.validated_data["helpful"],
            comment=serializer.validated_data.get("comment", ""),
        )
        if turn is None:
            return error_response("unknown_turn", status.HTTP_400_BAD_REQUEST, lang)
        return Response({"ok": True, "turn_id": str(turn.pk)})


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
                message = error_text(code, request_lang(self.request))
                return JsonResponse(  # type: ignore[return-value]
                    {"error": {"code": code, "message": message}}, status=status_code
                )
        return super().handle_exception(exc)
