"""A per-client request limit in fixed one-minute windows, kept in the cache (Redis when configured)."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a reverse proxy, the last hop it added (RATE_LIMIT_TRUST_PROXY)."""
    if settings.RATE_LIMIT_TRUST_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
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
