"""The town's FAQ content: departments, categories and versioned FAQs."""

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

QUESTION_MAX_CHARS = 300
ANSWER_MAX_CHARS = 8000
ALTERNATE_QUESTIONS_MAX = 30
ALTERNATE_SEPARATOR = "|"


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Store Japanese as is, so that admin search (icontains) finds alternate questions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


def validate_single_line(value: Any) -> None:
    """A name, title or code is shown on one line and goes into e-mail subjects, where a line break is refused."""
    if isinstance(value, str) and value and value.splitlines() != [value]:
        raise ValidationError(_("Enter this on one line, without line breaks."), code="line_break")


class Department(models.Model):
    """A department (担当課) residents are handed off to, with its contact data."""

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short code, letters, digits, hyphens or underscores, e.g. KANKYO."),
    )
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[validate_single_line])
    name_en = models.CharField(_("English name"), max_length=200, blank=True, validators=[validate_single_line])
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_single_line])
    window = models.CharField(
        _("window"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Floor and counter, e.g. 本庁舎2階 21番窓口."),
    )
    hours = models.CharField(_("opening hours"), max_length=200, blank=True, validators=[validate_single_line])
    closed_days = models.CharField(_("closed days"), max_length=200, blank=True, validators=[validate_single_line])
    window_en = models.CharField(
        _("window (English)"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Shown to residents who use the chat in English, e.g. Main Building 2F, Window 21."),
    )
    hours_en = models.CharField(
        _("opening hours (English)"), max_length=200, blank=True, validators=[validate_single_line]
    )
    closed_days_en = models.CharField(
        _("closed days (English)"), max_length=200, blank=True, validators=[validate_single_line]
    )
    email = models.EmailField(_("email"), blank=True)
    web_url = models.URLField(_("web page"), max_length=500, blank=True)
    is_general_reception = models.BooleanField(
        _("general reception"),
        default=False,
        help_text=_("Questions that no department owns are handed off here (総合案内). Only one department."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_general_reception"],
                condition=Q(is_general_reception=True),
                name="faq_department_one_general_reception",
                violation_error_message=_("Only one department can be the general reception."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    """A staff member who edits and submits changes for a department (部署編集者)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="department_roles"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="members"
    )

    class Meta:
        # Moved here from changeflow with its table and data (migrations faq 0005, changeflow 0006).
        db_table = "changeflow_departmentmember"
        verbose_name = _("department member")
        verbose_name_plural = _("department members")
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="changeflow_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} / {self.department}"


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[validate_single_line])
    name_en = models.CharField(_("English name"), max_length=200, blank=True, validators=[validate_single_line])
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class FaqStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def validate_alternate_questions(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Alternate questions must be a list of texts."), code="not_a_list")
    if len(value) > ALTERNATE_QUESTIONS_MAX:
        raise ValidationError(
            _("At most %(max)d alternate questions (got %(count)d)."),
            code="too_many",
            params={"max": ALTERNATE_QUESTIONS_MAX, "count": len(value)},
        )
    for item in value:
        if not item.strip():
            raise ValidationError(_("An alternate question is empty."), code="empty")
        if len(item) > QUESTION_MAX_CHARS:
            raise ValidationError(
                _("An alternate question is longer than %(max)d characters."),
                code="too_long",
                params={"max": QUESTION_MAX_CHARS},
            )
        if ALTERNATE_SEPARATOR in item:
            raise ValidationError(
                _("An alternate question may not contain '|' (it separates them in CSV files)."),
                code="separator",
            )


class Faq(models.Model):
    """One FAQ. Every saved change is kept as a version (django-simple-history)."""

    external_id = models.CharField(
        _("external ID"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Stable ID from the source system; re-importing it updates this FAQ."),
    )
    question = models.CharField(_("question"), max_length=QUESTION_MAX_CHARS)
    alternate_questions = models.JSONField(
        _("alternate questions"),
        default=list,
        blank=True,
        encoder=UnicodeJSONEncoder,
        validators=[validate_alternate_questions],
        help_text=_("Other ways residents ask the same thing."),
    )
    answer = models.TextField(_("answer"), validators=[MaxLengthValidator(ANSWER_MAX_CHARS)])
    question_en = models.CharField(
        _("question (English)"),
        max_length=QUESTION_MAX_CHARS,
        blank=True,
        help_text=_("Optional. Residents who use the chat in English read this and the English answer."),
    )
    alternate_questions_en = models.JSONField(
        _("alternate questions (English)"),
        default=list,
        blank=True,
        encoder=UnicodeJSONEncoder,
        validators=[validate_alternate_questions],
        help_text=_("Other ways residents ask the same thing in English."),
    )
    answer_en = models.TextField(
        _("answer (English)"),
        blank=True,
        validators=[MaxLengthValidator(ANSWER_MAX_CHARS)],
        help_text=_("Optional. Without it, English questions get the Japanese answer with a note in English."),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faqs",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faqs",
    )
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FaqStatus.choices, default=FaqStatus.DRAFT)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    review_by = models.DateField(
        _("review by"), null=True, blank=True, help_text=_("Date by which the department should confirm this FAQ.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQs")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="faq_valid_until_not_before_valid_from",
                violation_error_code="dates_inverted",
                violation_error_message=_("'Valid until' cannot be before 'valid from'."),
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(department__isnull=False),
                name="faq_published_has_department",
                violation_error_code="department_required",
                violation_error_message=_("A published FAQ needs a department that residents can be handed off to."),
            ),
        ]
        indexes = [models.Index(fields=["status", "valid_from", "valid_until"])]

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        super().clean()
        if bool(self.question_en.strip()) != bool(self.answer_en.strip()):
            raise ValidationError(
                _("Give both the English question and the English answer, or neither."), code="english_incomplete"
            )

    @property
    def has_english(self) -> bool:
        return bool(self.question_en.strip() and self.answer_en.strip())


class IndexStatus(models.TextChoices):
    BUILDING = "building", _("Building")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
    FAILED = "failed", _("Failed")


def collection_token() -> str:
    return secrets.token_hex(4)


class IndexGeneration(models.Model):
    """One complete build of the search index; exactly one is active.

    A rebuild makes a new generation beside the active one and switches over
    in one transaction, so questions are answered throughout. `revision`
    grows with every incremental change, telling each process to reload.
    """

    status = models.CharField(_("status"), max_length=16, choices=IndexStatus.choices, default=IndexStatus.BUILDING)
    encoders = models.CharField(_("encoders"), max_length=300)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    documents = models.PositiveIntegerField(_("documents"), default=0)
    build_seconds = models.FloatField(_("build time (s)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    # Part of the vector collections' names: a generation numbered like one of another database (a restored
    # backup, a second installation on the same chromadb server) never meets that one's vectors.
    collection_token = models.CharField(_("collection token"), max_length=16, blank=True, default=collection_token)

    class Meta:
        verbose_name = _("search index generation")
        verbose_name_plural = _("search index generations")
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="faq_indexgeneration_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def collection_prefix(self) -> str:
        # Generations from before the token keep their collections' names.
        return f"faq-g{self.pk}-{self.collection_token}" if self.collection_token else f"faq-g{self.pk}"


class IndexedDocument(models.Model):
    """What the index holds for one published FAQ: its texts, tokens and version."""

    generation = models.ForeignKey(IndexGeneration, on_delete=models.CASCADE, related_name="entries")
    faq = models.ForeignKey(Faq, on_delete=models.CASCADE, related_name="index_entries")
    faq_version = models.BigIntegerField(_("FAQ version"), null=True, blank=True)
    question = models.TextField()
    alternates = models.JSONField(default=list, encoder=UnicodeJSONEncoder)
    question_tokens = models.JSONField(default=list, encoder=UnicodeJSONEncoder)
    answer_tokens = models.JSONField(default=list, encoder=UnicodeJSONEncoder)
    # The English texts and their tokens (English analyser), empty for an FAQ without English.
    question_en = models.TextField(blank=True, default="")
    alternates_en = models.JSONField(default=list, encoder=UnicodeJSONEncoder)
    question_tokens_en = models.JSONField(default=list, encoder=UnicodeJSONEncoder)
    answer_tokens_en = models.JSONField(default=list, encoder=UnicodeJSONEncoder)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["generation", "faq"], name="faq_indexeddocument_unique")]

    def __str__(self) -> str:
        return f"{self.generation_id}:{self.faq_id}"
