from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangeflowConfig(AppConfig):
    name = "changeflow"
    verbose_name = _("Policy changes")
