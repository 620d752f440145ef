"""Liveness and readiness for load balancers and monitors (CONTRACTS section 4)."""

import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from chatbot.api.ratelimit import client_address, trusted_proxies
from chatbot.quality.exposition import PROXY_HEADERS, is_loopback
from faq.models import IndexGeneration, IndexStatus
from faq.retrieval import vectorstore
from faq.retrieval.encoders import configured_encoders


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive (no dependency is checked)."""
    return JsonResponse({"status": "ok"})


_migrated = False


def _unapplied_migrations() -> int:
    """Migrations this code has that the database lacks (an upgrade without `manage.py migrate`): questions fail
    until they are applied. Once none is missing, the answer holds for the life of the process."""
    global _migrated
    if _migrated:
        return 0
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    missing = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrated = missing == 0
    return missing


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        missing = _unapplied_migrations()
    except DatabaseError as exc:
        return {"status": "error", "detail": exc.__class__.__name__}
    if missing:
        detail = f"{missing} migration(s) not applied: run `python manage.py migrate` (or `make run`)"
        return {"status": "error", "engine": connection.vendor, "detail": detail}
    return {"status": "ok", "engine": connection.vendor}


def _indexes() -> tuple[dict[str, Any], dict[str, Any]]:
    generation = IndexGeneration.objects.filter(status=IndexStatus.ACTIVE).first()
    if generation is None:
        detail = "no index built; lexical search from the database (run rebuild_index)"
        return {"status": "degraded", "detail": detail}, {"status": "degraded", "detail": detail}
    lexical = {"status": "ok", "generation": generation.pk, "documents": generation.documents}
    counts: dict[str, int] = {}
    try:
        for encoder in configured_encoders():
            name = vectorstore.collection_name(generation.collection_prefix, encoder.name)
            counts[encoder.name] = vectorstore.vector_store().collection(name).count()
    except Exception as exc:
        return lexical, {"status": "degraded", "detail": f"vector store unavailable: {exc.__class__.__name__}"}
    empty = [name for name, count in counts.items() if count == 0]
    dense = {"status": "degraded" if empty else "ok", "vectors": counts}
    return lexical, dense


def _task_cluster() -> dict[str, Any]:
    """Whether the cluster keeps its schedules (publication runs every minute): none overdue by 3 minutes."""
    from django_q.models import Schedule

    schedules = Schedule.objects.exclude(next_run=None)
    if not schedules.exists():
        return {"status": "unknown", "detail": "no schedules"}
    overdue = schedules.filter(next_run__lt=timezone.now() - datetime.timedelta(minutes=3)).order_by("next_run")
    first = overdue.values_list("name", "next_run").first()
    if first is None:
        return {"status": "ok"}
    # Chat is unaffected; queued work runs when the cluster is back.
    return {"status": "stopped", "detail": f"{first[0]} was due at {first[1].isoformat()}"}


def _llm() -> dict[str, Any]:
    from chatbot.llm.composer import llm_status

    try:
        return llm_status()
    except Exception as exc:  # readiness must answer even if this part fails
        return {"status": "error", "detail": exc.__class__.__name__}


def may_see_details(request: HttpRequest) -> bool:
    """Staff, or a monitor on this machine: the client's address (behind the trusted proxies of
    RATE_LIMIT_PROXY_COUNT) is loopback. Without trusted proxies a forwarded request is never local, since a proxy
    on this machine makes every visitor's request arrive from 127.0.0.1."""
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return True
    if not trusted_proxies() and any(header in request.META for header in PROXY_HEADERS):
        return False
    return is_loopback(client_address(request))


def _readiness() -> tuple[str, int, dict[str, Any]]:
    components: dict[str, Any] = {"database": _database()}
    if components["database"]["status"] != "ok":
        return "unavailable", 503, components
    lexical, dense = _indexes()
    components |= {
        "lexical_index": lexical,
        "vector_index": dense,
        "encoder": {"status": "ok", "encoders": [path.rsplit(".", 1)[-1] for path in settings.RETRIEVAL_ENCODERS]},
        "llm": _llm(),
        "task_cluster": _task_cluster(),
    }
    degraded = any(part["status"] in ("degraded", "error", "stopped") for part in components.values())
    return ("degraded" if degraded else "ok"), 200, components


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Each component's state; 503 only when questions cannot be answered at all (the database is down, or lacks
    migrations this code needs).

    The public sees the overall status only; the components (database engine, index sizes, encoders, LLM) are
    for staff and monitors on this machine.
    """
    overall, status, components = _readiness()
    body: dict[str, Any] = {"status": overall}
    if may_see_details(request):
        body["components"] = components
    return JsonResponse(body, status=status)
