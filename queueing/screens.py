"""Screens that report their own health: who is connected, and how fast calls reach them.

Every screen (lobby display, desk display, kiosk) sends a heartbeat over the
display socket; each display acknowledges each call once it has drawn it.
This module keeps what they tell:

- presence in Django's cache (Redis when `REDIS_URL` is set, so every worker
  sees every screen; local memory otherwise), one key per screen and one index
  of names per site;
- call-to-screen latencies in `CallLatency`, buffered in the process and
  written in batches, so a thousand acknowledgements of one call cost one
  insert, not a thousand.

This is telemetry, not a change of the queue: nothing here records an Event
or bumps the site's version, and a failure here never touches a ticket. Screen
names come from the screens themselves (a URL parameter): untrusted, so they
are cut to `MAX_NAME` characters, stripped of control characters, escaped by
whoever renders them, and a site keeps at most `MAX_SCREENS` of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import logging
import math
import threading
import time
import unicodedata
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from queueing.models import CallLatency, Site
from queueing.services import write_transaction

log = logging.getLogger(__name__)

KINDS = ("display", "desk_display", "kiosk")
MAX_NAME = 40
MAX_SCREENS = 200
# A screen not heard of for longer than this raises an alert on its site's desks.
STALE_SECONDS: int = settings.COUNTER_SCREEN_STALE_SECONDS
# Heartbeats come every 15 s; a screen gone for this long is forgotten.
PRESENCE_TTL = 12 * 3600
# Presence writes of this process, one at a time off the event loop: one thread
# (and one cache connection), not one per socket that happens to heartbeat.
presence_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="presence")
FLUSH_SECONDS = 5.0
FLUSH_SIZE = 500
MAX_LATENCY_MS = 10 * 60 * 1000


# --- Presence -------------------------------------------------------------------------------


def clean_name(value: Any) -> str | None:
    """A screen's name as it may be stored: printable, trimmed, at most MAX_NAME characters."""
    if not isinstance(value, str):
        return None
    printable = "".join(ch for ch in value[: MAX_NAME * 4] if unicodedata.category(ch)[0] != "C")
    name = " ".join(printable.split())[:MAX_NAME]
    return name or None


def _index_key(site_id: int) -> str:
    return f"counter:screens:{site_id}"


def _screen_key(site_id: int, name: str) -> str:
    # Hashed: the name is untrusted text, a cache key must stay short and plain.
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    return f"counter:screen:{site_id}:{digest}"


def screen_seen(
    *, site_id: int, name: str, kind: str, sound: bool | None, since: float, now: float | None = None
) -> bool:
    """Record a heartbeat; True when the desks should hear of it (new, back, or sound changed)."""
    now = time.time() if now is None else now
    key, index_key = _screen_key(site_id, name), _index_key(site_id)
    # One round trip to read and one to write (Redis): a hall's screens all heartbeat as they come back.
    found = cache.get_many([key, index_key])
    previous = found.get(key)
    record = {"name": name, "kind": kind, "sound": sound, "since": since, "last_seen": now, "connected": True}
    writes: dict[str, Any] = {key: record}
    index: list[str] = found.get(index_key) or []
    if name not in index:
        # Two workers adding at the same instant may lose one name; its next heartbeat adds it again.
        writes[index_key] = [*index, name][-MAX_SCREENS:]
    cache.set_many(writes, PRESENCE_TTL)
    if not isinstance(previous, dict):
        return True
    return bool(
        not previous.get("connected")
        or previous.get("sound") != sound
        or previous.get("kind") != kind
        or previous.get("since") != since
    )


def screen_gone(*, site_id: int, name: str, since: float, now: float | None = None) -> bool:
    """The screen's socket closed; True if it was still this connection's record."""
    key = _screen_key(site_id, name)
    record = cache.get(key)
    if not isinstance(record, dict) or record.get("since") != since:
        return False  # the screen has already come back on another socket
    record = {**record, "connected": False, "last_seen": time.time() if now is None else now}
    cache.set(key, record, PRESENCE_TTL)
    return True


def site_screens(*, site_id: int, now: float | None = None) -> list[dict[str, Any]]:
    """The screens of a site, displays first then by name; each with its age and whether it is stale."""
    now = time.time() if now is None else now
    index: list[str] = cache.get(_index_key(site_id)) or []
    keys = {_screen_key(site_id, name): name for name in index}
    records = cache.get_many(list(keys))
    screens = []
    for key in keys:
        record = records.get(key)
        if not isinstance(record, dict):
            continue
        age = max(0.0, now - float(record["last_seen"]))
        screens.append(
            {
                "name": record["name"],
                "kind": record["kind"],
                "connected": bool(record["connected"]),
                "since": _iso(record["since"]),
                "last_seen": _iso(record["last_seen"]),
                "age": int(age),
                "sound": record["sound"],
                "stale": age > STALE_SECONDS,
            }
        )
    screens.sort(key=lambda s: (KINDS.index(s["kind"]) if s["kind"] in KINDS else len(KINDS), s["name"]))
    return screens


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).isoformat().replace("+00:00", "Z")


# --- Call-to-screen latency -------------------------------------------------------------------

# (site, its time zone, call, screen, milliseconds, acked at as a timestamp): kept
# cheap to make, as a thousand screens acknowledge each call; `flush` does the rest.
Sample = tuple[int, str, int, str, int, float]
_buffer: list[Sample] = []
_buffer_lock = threading.Lock()
_flush_scheduled = False


def note_latency(*, site: Site, call_id: int, screen: str, sent: float, acked: float | None = None) -> int | None:
    """Keep one acknowledgement's round trip in ms (written by the next `flush`); None if implausible."""
    acked = time.time() if acked is None else acked
    milliseconds = round((acked - sent) * 1000)
    if not 0 <= milliseconds <= MAX_LATENCY_MS:
        return None  # a clock step on the server, or an ack for a call long gone
    sample = (site.pk, site.time_zone, call_id, screen[:MAX_NAME], milliseconds, acked)
    with _buffer_lock:
        _buffer.append(sample)
    return milliseconds


def pending_samples() -> int:
    with _buffer_lock:
        return len(_buffer)


def flush() -> int:
    """Write the buffered samples in one batch; return how many."""
    with _buffer_lock:
        samples = _buffer[:]
        _buffer.clear()
    if not samples:
        return 0
    try:
        _insert(samples)
    except Exception:  # telemetry: losing a batch must never disturb the screens
        log.warning("Call latencies not saved (%d samples).", len(samples), exc_info=True)
        return 0
    return len(samples)


@write_transaction
def _insert(samples: list[Sample]) -> None:
    # One executemany, not bulk_create: at a thousand screens per call, building a
    # model instance per acknowledgement was most of the cost of keeping them.
    meta = CallLatency._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    names = ("site", "day", "call", "screen", "milliseconds", "acked_at")
    ops = connection.ops
    columns = ", ".join(ops.quote_name(str(by_name[name].column)) for name in names)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(ops.quote_name(meta.db_table), columns, ", ".join(["%s"] * 6))
    rows = []
    for site_id, zone, call, screen, milliseconds, acked in samples:
        moment = dt.datetime.fromtimestamp(acked, tz=dt.UTC)
        day = moment.astimezone(_zone(zone)).date()  # the site's service day (Site.service_day)
        when = ops.adapt_datetimefield_value(moment)
        rows.append((site_id, ops.adapt_datefield_value(day), call, screen, milliseconds, when))
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def flush_scheduled() -> bool:
    return _flush_scheduled


async def flush_soon() -> None:
    """From a consumer: flush now if the buffer is full, else once within FLUSH_SECONDS."""
    global _flush_scheduled
    if _flush_scheduled:
        return
    _flush_scheduled = True
    try:
        if pending_samples() < FLUSH_SIZE:
            await asyncio.sleep(FLUSH_SECONDS)
        await database_sync_to_async(flush)()
    finally:
        _flush_scheduled = False


def latency_of_day(*, site: Site, day: dt.date | None = None) -> dict[str, Any]:
    """The site's call-to-screen latency of a service day (today by default): samples, p50, p95 in ms.

    Nearest-rank percentiles, read in SQL from the (site, day, milliseconds)
    index: two rows fetched whatever the day's number of samples.
    """
    day = day or site.service_day(timezone.now())
    rows = CallLatency.objects.filter(site=site, day=day).order_by("milliseconds")
    count = rows.count()

    def rank(p: float) -> int | None:
        if not count:
            return None
        value: int = rows.values_list("milliseconds", flat=True)[max(0, math.ceil(p * count) - 1)]
        return value

    return {"day": day.isoformat(), "samples": count, "p50_ms": rank(0.50), "p95_ms": rank(0.95)}


def screens_payload(site: Site) -> dict[str, Any]:
    """What a desk socket is told about its site's screens (`screens` message)."""
    return {
        "type": "screens",
        "screens": site_screens(site_id=site.pk),
        "stale_after": STALE_SECONDS,
        "latency": latency_of_day(site=site),
    }
