"""Activating a gate or prompt version after the regression check: what it found, or the page that blocks it."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from chatbot.models import RegressionCheck
from chatbot.quality.regression import passed_message


def report_check(model_admin: admin.ModelAdmin, request: HttpRequest, check: RegressionCheck | None) -> None:
    """Tell the user what the regression check found before a version went live."""
    if check is None:
        model_admin.message_user(
            request, _("The golden set has no cases in use: the change was not checked."), messages.WARNING
        )
    elif check.override_reason:
        model_admin.message_user(request, _("Answers got worse; activated with the recorded reason."), messages.WARNING)
    else:
        model_admin.message_user(request, passed_message(check), messages.SUCCESS)


def regression_blocked_page(
    request: HttpRequest, model_admin: admin.ModelAdmin, check: RegressionCheck, action: str, pk: int
) -> HttpResponse:
    """The blocked change: why, the cases that got worse, and a form to override it with a reason."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Not activated: answers get worse"),
        "opts": model_admin.model._meta,
        "check": check,
        "action": action,
        "selected": pk,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/chatbot/regression_blocked.html", context)
