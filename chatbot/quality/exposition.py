"""Serving the metrics to Prometheus (`GET /metrics`): the collector, its registry, who may scrape, the view."""

import hmac
import ipaddress
import logging
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from chatbot.api.errors import error_text, request_lang
from chatbot.quality.metrics import SOURCES, MetricSource

logger = logging.getLogger(__name__)


class DatabaseCollector(Collector):
    """Runs every metric source at scrape time, with one moment for all of them."""

    def __init__(self, sources: list[MetricSource] = SOURCES) -> None:
        self.sources = sources

    def describe(self) -> Iterable[Metric]:
        return []  # nothing is read when the collector is registered

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        failed = GaugeMetricFamily(
            "townfaq_metrics_source_failed",
            "1 when a metric source failed in this scrape (its figures are missing; the error is logged), else 0.",
            labels=["source"],
        )
        for source in list(self.sources):
            name = getattr(source, "__name__", repr(source))
            try:
                families = list(source(now))
            except Exception:
                logger.exception("metrics source %s failed", name)
                failed.add_metric([name], 1)
                continue
            failed.add_metric([name], 0)
            yield from families
        yield failed


REGISTRY = CollectorRegistry()
REGISTRY.register(DatabaseCollector())


def _error(request: HttpRequest, code: str, status: int) -> JsonResponse:
    message = error_text(code, request_lang(request))
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


# Access: with `METRICS_TOKEN` set, only `Authorization: Bearer <token>`; without it, only requests made on this
# machine: a loopback REMOTE_ADDR that no reverse proxy forwarded (behind nginx on the same machine every visitor's
# request arrives from 127.0.0.1, with X-Forwarded-For).

# Set by a reverse proxy: a request that carries one came from elsewhere, whatever REMOTE_ADDR says.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_X_FORWARDED_PROTO")


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def _bearer_token(request: HttpRequest) -> str:
    scheme, _space, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _refusal(request: HttpRequest) -> JsonResponse | None:
    expected = settings.METRICS_TOKEN
    if expected:
        if hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
            return None
        response = _error(request, "metrics_token", 401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    local = is_loopback(request.META.get("REMOTE_ADDR", "")) and not any(
        header in request.META for header in PROXY_HEADERS
    )
    return None if local else _error(request, "metrics_local_only", 403)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus's text format, for the token's holder or this machine (see Access above)."""
    if request.method != "GET":
        response = _error(request, "method_not_allowed", 405)
        response["Allow"] = "GET"
        return response
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
