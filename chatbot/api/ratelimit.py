"""A per-client request limit in fixed one-minute windows, kept in the cache (Redis when configured)."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def trusted_proxies() -> int:
    """How many reverse proxies in front of the server append to X-Forwarded-For (RATE_LIMIT_PROXY_COUNT;
    RATE_LIMIT_TRUST_PROXY alone means one)."""
    count = int(settings.RATE_LIMIT_PROXY_COUNT)
    if count > 0:
        return count
    return 1 if settings.RATE_LIMIT_TRUST_PROXY else 0


def client_address(request: HttpRequest) -> str:
    """The client's address.

    Without trusted proxies, the connection's peer: X-Forwarded-For is whatever the client wrote. Behind N
    trusted proxies, each appends the peer it saw, so the N-th entry from the right is the address the
    outermost proxy saw; entries left of it were written by the client and are ignored. A header with fewer
    entries (a request that skipped an outer proxy) gives its left-most entry, which a trusted proxy wrote.
    """
    proxies = trusted_proxies()
    if proxies:
        entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        entries = [entry for entry in entries if entry]
        if entries:
            return entries[-min(proxies, len(entries))]
    return str(request.META.get("REMOTE_ADDR", ""))


def rate_limit_check(request: HttpRequest, scope: str) -> int:
    """0 when the request may go on, else the seconds until the client may try again."""
    limit = settings.CHAT_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return 0
    now = time.time()
    window = int(now // 60)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}"
    if cache.add(key, 1, timeout=70):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=70)
            count = 1
    if count <= limit:
        return 0
    return max(1, int(60 - now % 60))
