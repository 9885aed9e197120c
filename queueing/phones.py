"""Which tickets have a phone following them, so that a queue's move is told only to phones that listen.

A call moves the first PUSH_AHEAD places of its queue; building and sending a
message for each of them costs the same whether a phone is open or not. The
phone socket counts itself in Django's cache (Redis when `REDIS_URL` is set,
so every worker sees every phone; local memory otherwise) while it is open,
and the broadcast builds messages only for the tickets counted. Telemetry,
like the screens' presence: a count left over by a crashed worker costs a few
unneeded messages until it expires; a cache that fails makes the broadcast
tell every ticket, as if all their phones were open; a phone that could not
be counted (the cache was down when it connected) still hears of its own
ticket's changes and follows its place by its slow poll until it reconnects.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache

# A phone page is open for a visit, not for days: a count left by a crash goes with the day.
TTL = 18 * 3600


def _key(token: str) -> str:
    return f"counter.phone.{token}"


def opened(token: str) -> bool:
    """Count an open phone socket of this ticket (True once counted)."""
    key = _key(token)
    cache.add(key, 0, TTL)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two: this socket is the only one
        cache.set(key, 1, TTL)
    return True


def closed(token: str) -> None:
    """Take back the count of a phone socket that closed."""
    key = _key(token)
    try:
        if cache.decr(key) <= 0:
            cache.delete(key)
    except ValueError:  # expired meanwhile: nothing to take back
        pass


def listening(tokens: Iterable[str]) -> set[str] | None:
    """The tokens among these with an open phone socket; None when the cache cannot tell."""
    keys = {_key(token): token for token in tokens}
    if not keys:
        return set()
    try:
        found = cache.get_many(list(keys))
    except Exception:
        return None
    return {keys[key] for key, count in found.items() if count and count > 0}
