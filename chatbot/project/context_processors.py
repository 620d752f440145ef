from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def town(request: HttpRequest) -> dict[str, str]:
    """The town's name in the page's language, for every template."""
    english = (get_language() or "").startswith("en")
    return {"town_name": settings.TOWN_NAME_EN if english else settings.TOWN_NAME}


def open_incidents(request: HttpRequest) -> dict[str, object]:
    """How many incidents are open, counted only when a page shows it (the admin's header)."""
    from chatbot.models import Incident, IncidentStatus

    return {"open_incidents": lambda: Incident.objects.filter(status=IncidentStatus.OPEN).count()}
