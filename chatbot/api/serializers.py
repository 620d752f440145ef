"""The public API's request and response serializers, with JSON-strict fields, and the schema's post-processing."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatbot.models import Composer, Outcome

COMMENT_MAX_CHARS = 1000
# The languages a text is shown in (the widget's two).
LANGUAGES = [("ja", "Japanese"), ("en", "English")]


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
    question = serializers.CharField(help_text="The FAQ's question in the resident's language where it has one.")
    lang = serializers.ChoiceField(
        choices=LANGUAGES, required=False, help_text="The language `question` is written in."
    )
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


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True})
class CopiedField(serializers.Field):
    """A value copied from the request as it came (the batch's question id: a string or a number)."""

    def to_representation(self, value: Any) -> Any:
        return value


class CandidateSerializer(FaqRefSerializer):
    fused = serializers.FloatField(required=False, help_text="The fused retrieval score before the re-ranker.")


class ChatResponseSerializer(serializers.Serializer):
    """The answer object of CONTRACTS section 2. Every turn's response (the API's, the command line's, an
    evaluation's, a replayed idempotency key's) is rendered by it once (`render_response`); the fields an outcome
    does not have are left out."""

    id = CopiedField(allow_null=True, help_text="The question's id in a batch (`ask --jsonl-in`); null otherwise.")
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    answer = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField()
    sources = SourceSerializer(many=True)
    candidates = CandidateSerializer(many=True)
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
    answer_lang = serializers.ChoiceField(
        choices=LANGUAGES,
        required=False,
        help_text="With outcome answer: the language the answer is written in (Japanese where the FAQ has no "
        "English yet and no checked translation).",
    )
    notice = serializers.CharField(
        required=False,
        help_text="A line for the resident about the answer's language: Japanese only, or a machine translation.",
    )
    translation = serializers.ChoiceField(
        choices=["machine"], required=False, help_text="'machine': the answer is the LLM's checked translation."
    )


def render_response(response: Mapping[str, Any]) -> dict[str, Any]:
    """The turn's answer object as residents and scripts get it (and as the turn log keeps it)."""
    return dict(ChatResponseSerializer(response).data)


class ErrorSerializer(serializers.Serializer):
    error = serializers.DictField(child=serializers.CharField())


class FeedbackResponseSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    turn_id = serializers.UUIDField()


class FeedbackRequestSerializer(serializers.Serializer):
    turn_id = serializers.UUIDField()
    helpful = StrictBooleanField()
    comment = StrictCharField(required=False, allow_blank=True, max_length=COMMENT_MAX_CHARS)


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
