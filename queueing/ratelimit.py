"""Client addresses and the kiosk's issuance limit.

The limit is a fixed one-minute window per client address, counted in Django's
cache (Redis when REDIS_URL is set, so every worker shares it). If the cache is
unreachable the limit lets the request through and logs it — at most once a
minute — because a cache outage must never stop a hall from issuing tickets.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from queueing.errors import RateLimited

log = logging.getLogger(__name__)
WINDOW = 60
_last_warning = 0.0


@lru_cache(maxsize=1)
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_trusted(address: str) -> bool:
    networks = _trusted_networks(tuple(settings.COUNTER_TRUSTED_PROXIES))
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: HttpRequest) -> str | None:
    """The citizen's or officer's address; X-Forwarded-For counts only from a trusted proxy."""
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    if remote is None or not _is_trusted(remote):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    # Walk from the proxy outwards: the first hop not ours is the client.
    for hop in reversed(forwarded):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote


def check_kiosk_rate(request: HttpRequest) -> None:
    limit = settings.COUNTER_KIOSK_RATE_LIMIT
    if limit <= 0:
        return
    now = time.time()
    window = int(now // WINDOW)
    key = f"counter:kiosk-rate:{client_address(request)}:{window}"
    try:
        cache.add(key, 0, timeout=WINDOW * 2)
        count = cache.incr(key)
    except Exception:  # any cache failure: fail open (see module docstring)
        _warn_once(now)
        return
    if count > limit:
        raise RateLimited(retry_after=max(1, int((window + 1) * WINDOW - now) + 1))


def _warn_once(now: float) -> None:
    global _last_warning
    if now - _last_warning >= WINDOW:
        _last_warning = now
        log.warning("Kiosk rate limit cache unreachable; issuing without a limit.", exc_info=True)
