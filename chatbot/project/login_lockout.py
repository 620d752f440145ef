"""Staff login lockout (django-axes): its admin section's name and the client address it counts failures by."""

import ipaddress

from axes.apps import AppConfig as AxesAppConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chatbot.api.ratelimit import client_address


class LoginLockoutConfig(AxesAppConfig):
    """django-axes, with a Japanese name for its section of the admin index."""

    verbose_name = _("Login lockout")


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address failed logins are counted by: the chat API's rate-limit address (the same proxy settings).

    A forwarded entry that is not an IP address (a proxy writing "unknown") falls back to the connection's
    peer, so that such requests are still counted per address rather than all under one empty address.
    """
    return _valid_ip(client_address(request)) or _valid_ip(str(request.META.get("REMOTE_ADDR", "")))
