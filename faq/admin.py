import datetime
from pathlib import Path
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from faq import fileformats
from faq.exporting import FaqExportError, faq_export_bytes
from faq.forms import DepartmentAdminForm, FaqAdminForm, FaqImportForm
from faq.history_admin import ReadableHistoryAdmin
from faq.importing import FaqImportError, ImportOptions, import_faq_data
from faq.models import Category, Department, DepartmentMember, Faq, FaqStatus, IndexGeneration
from faq.retrieval.index import index_sync_on_commit
from faq.selectors import faq_has_english_q, faq_valid_on_q
from faq.services import faq_publish, faq_withdraw


class GuardedHistoryAdmin(ReadableHistoryAdmin):
    """Version pages that respect the change permission and the user's own list.

    django-simple-history checks only the view permission on its version
    pages, and a POST to a version page saves that version: a user who may
    only read could overwrite any record. Here only users who may change the
    record restore a version, and users who may not change records see the
    versions only of records in their own list (`get_queryset`).
    """

    def _may_see(self, request: HttpRequest, object_id: str) -> bool:
        if self.has_change_permission(request):
            return True
        return self.get_queryset(request).filter(pk=object_id).exists()

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        if not self._may_see(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if not self._may_see(request, object_id):
            raise Http404
        if request.method == "POST" and not self.has_change_permission(request, self.get_object(request, object_id)):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# Staff paste addresses without a scheme; the town's site is served over HTTPS.
URL_FIELDS: dict[type[models.Field], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("current", _("valid today")),
            ("future", _("takes effect later")),
            ("expired", _("expired")),
            ("review_due", _("review date passed")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "current":
            return queryset.filter(faq_valid_on_q(today))
        if self.value() == "future":
            return queryset.filter(valid_from__gt=today)
        if self.value() == "expired":
            return queryset.filter(valid_until__lt=today)
        if self.value() == "review_due":
            return queryset.filter(review_by__lt=today)
        return queryset


class EnglishTextFilter(admin.SimpleListFilter):
    """FAQs with or without an English text (both the English question and the English answer, Faq.has_english)."""

    title = _("English text")
    parameter_name = "english"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(faq_has_english_q())
        if self.value() == "no":
            return queryset.exclude(faq_has_english_q())
        return queryset


class BilingualMedia:
    """The styles that put a fieldset's Japanese and English fields side by side (fieldsets with class "bilingual")."""

    css = {"all": ("css/admin_bilingual.css",)}


# Each line: the Japanese field and its English counterpart, shown side by side on a wide screen.
BILINGUAL = ("bilingual",)


@admin.register(Department)
class DepartmentAdmin(GuardedHistoryAdmin):
    form = DepartmentAdminForm
    formfield_overrides = URL_FIELDS
    list_display = ("name", "code", "phone", "window", "hours", "is_general_reception", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("name", "name_en", "code", "phone", "window", "window_en", "email")
    list_filter = ("is_general_reception",)
    fieldsets = (
        (None, {"fields": ("code",)}),
        (
            _("Japanese / English"),
            {
                "classes": BILINGUAL,
                "fields": (
                    ("name", "name_en"),
                    ("window", "window_en"),
                    ("hours", "hours_en"),
                    ("closed_days", "closed_days_en"),
                ),
            },
        ),
        (_("Contact"), {"fields": ("phone", "email", "web_url")}),
        (None, {"fields": ("is_general_reception", "sort_order")}),
    )
    Media = BilingualMedia


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("name", "name_en")


@admin.register(Faq)
class FaqAdmin(GuardedHistoryAdmin):
    formfield_overrides = URL_FIELDS
    form = FaqAdminForm
    change_list_template = "admin/faq/faq/change_list.html"
    list_display = (
        "question",
        "english",
        "external_id",
        "department",
        "category",
        "status",
        "valid_from",
        "valid_until",
        "review_by",
        "updated_at",
    )
    list_filter = ("status", ValidityFilter, EnglishTextFilter, "department", "category")
    search_fields = (
        "question",
        "alternate_questions",
        "answer",
        "question_en",
        "alternate_questions_en",
        "answer_en",
        "external_id",
    )
    list_select_related = ("department", "category")
    date_hierarchy = "updated_at"
    readonly_fields = ("created_at", "updated_at")
    actions = ("publish_selected", "withdraw_selected", "export_selected_csv")
    history_list_display = ("status", "question")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Faq]:
        """Department editors (who may view but not change FAQs) see only their own departments' FAQs."""
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser or user.has_perm("faq.change_faq"):
            return queryset
        return queryset.filter(department__members__user=user).distinct()

    fieldsets = (
        (
            _("Japanese / English"),
            {
                "classes": BILINGUAL,
                "description": _(
                    "The English texts are optional: give both the English question and the English answer, or neither."
                ),
                "fields": (
                    ("question", "question_en"),
                    ("alternate_questions", "alternate_questions_en"),
                    ("answer", "answer_en"),
                ),
            },
        ),
        (_("Responsibility"), {"fields": ("department", "category", "source_url", "external_id")}),
        (_("Publication"), {"fields": ("status", "valid_from", "valid_until", "review_by")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    Media = BilingualMedia

    @admin.display(description=_("English text"), boolean=True)
    def english(self, obj: Faq) -> bool:
        return obj.has_english

    def save_model(self, request: HttpRequest, obj: Faq, form: Any, change: bool) -> None:
        # Also used by the history page when a version is restored.
        super().save_model(request, obj, form, change)
        index_sync_on_commit([obj.pk])

    def delete_model(self, request: HttpRequest, obj: Faq) -> None:
        faq_id = obj.pk
        super().delete_model(request, obj)
        index_sync_on_commit([faq_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Faq]) -> None:
        faq_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        index_sync_on_commit(faq_ids)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("import/", self.admin_site.admin_view(self.import_view), name="faq_faq_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="faq_faq_export"),
        ]
        return own + super().get_urls()

    @admin.action(description=_("Publish the selected FAQs"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Faq]) -> None:
        try:
            count = faq_publish(faqs=queryset, reason=gettext("published from admin"))
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, gettext("%(count)d FAQ(s) published.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Withdraw the selected FAQs"), permissions=["change"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Faq]) -> None:
        count = faq_withdraw(faqs=queryset, reason=gettext("withdrawn from admin"))
        self.message_user(request, gettext("%(count)d FAQ(s) withdrawn.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Export the selected FAQs as CSV"), permissions=["view"])
    def export_selected_csv(self, request: HttpRequest, queryset: QuerySet[Faq]) -> HttpResponse:
        return _csv_response(faq_export_bytes(queryset, fmt="csv"))

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        status = request.GET.get("status", "")
        faqs = self.get_queryset(request)  # a department editor exports only their own departments' FAQs
        if status in FaqStatus.values:
            faqs = faqs.filter(status=status)
        # CP932 (Shift_JIS) for older Excel; it cannot carry every character, and then says which and where.
        encoding = "cp932" if request.GET.get("encoding") == "cp932" else None
        try:
            data = faq_export_bytes(faqs, fmt="csv", encoding=encoding)
        except FaqExportError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:faq_faq_changelist"))
        return _csv_response(data, charset="shift_jis" if encoding else "utf-8")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return HttpResponse(status=403)
        report = None
        error = None
        form = FaqImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            options = ImportOptions(
                publish=form.cleaned_data["publish"],
                dry_run=form.cleaned_data["dry_run"],
                skip_invalid=form.cleaned_data["skip_invalid"],
                create_departments=form.cleaned_data["create_departments"],
                reason=gettext("imported from %(name)s") % {"name": upload.name},
            )
            try:
                fmt = fileformats.format_for_path(Path(upload.name), form.cleaned_data["format"] or None)
                report = import_faq_data(data=upload.read(), fmt=fmt, options=options)
            except (FaqImportError, fileformats.FileFormatError) as exc:
                error = str(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import FAQs"),
            "form": form,
            "report": report,
            "error": error,
            "changelist_url": reverse("admin:faq_faq_changelist"),
        }
        return TemplateResponse(request, "admin/faq/faq/import.html", context)


def _csv_response(data: bytes, charset: str = "utf-8") -> HttpResponse:
    stamp = datetime.datetime.now(tz=datetime.UTC).astimezone().strftime("%Y%m%d-%H%M")
    response = HttpResponse(data, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="faqs-{stamp}.csv"'
    return response


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that staff read but never add, edit or delete in admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IndexGeneration)
class IndexGenerationAdmin(ReadOnlyAdmin):
    """Read-only: staff see which search index answers questions and when it was built."""

    list_display = ("pk", "status", "documents", "revision", "encoders", "build_seconds", "activated_at")
    list_filter = ("status",)


@admin.register(DepartmentMember)
class DepartmentMemberAdmin(admin.ModelAdmin):
    """Who edits for which department (部署編集者)."""

    list_display = ["user", "department"]
    list_filter = ["department"]
    search_fields = ["user__username", "department__name"]
    # A plain list of users: FAQ管理者 may not search the user accounts (admin autocomplete needs that).
