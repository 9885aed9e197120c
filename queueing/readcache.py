"""The hot public reads (ticket status, business types, snapshot), answered once per site version.

Phones, kiosks and lobby screens ask the same questions all day, and the
answer only changes when the site does: every queue change bumps
`Site.version` in its transaction (services._bump_version). So an answer is
kept, already rendered, under a key made of everything it depends on:

- the site's version (read fresh on every request: another worker may have
  written), and for a ticket its status and recalls;
- the language (labels, desk names, refusals are translated);
- the current minute: the service day, opening hours,
  breaks and booked slots move answers without a write, and so do edits made
  in the admin, which bump no version. They show within a minute, as on a
  screen that reloads.

The key is also the answer's ETag: a client that sends it back in
`If-None-Match` gets a 304 with no body, and `Cache-Control: no-cache` makes
browsers ask every time (they may keep the body, never use it unasked).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, parse_cookie
from django.utils import translation
from ninja.renderers import JSONRenderer

from queueing.models import Site, Ticket

MAX_ANSWERS = 2048
CONTENT_TYPE = "application/json; charset=utf-8"
CACHE_CONTROL = "no-cache"

_renderer = JSONRenderer()


class Answers:
    """A small thread-safe LRU of rendered answers (the HTTP threads share it)."""

    def __init__(self, size: int = MAX_ANSWERS) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


answers = Answers()


def etag_for(site: Site, *parts: object) -> str:
    """What the answer depends on, as a strong ETag (see the module's docstring)."""
    return make_etag(site.version, parts, translation.get_language() or "")


def make_etag(version: int, parts: Sequence[object], language: str) -> str:
    # Minutes since the epoch: every time zone's day and hours begin on one of them.
    minute = str(int(time.time() // 60))
    return '"' + "-".join([str(version), *(str(p) for p in parts), language, minute]) + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match (weak comparison, as RFC 9110 asks for it) against our ETag."""
    if not header:
        return False
    return header.strip() == "*" or etag in (tag.strip().removeprefix("W/") for tag in header.split(","))


def answer(request: HttpRequest, key: Hashable, etag: str, build: Callable[[], Any]) -> HttpResponse:
    """304 when the client has this answer, else the kept rendering, else `build()` rendered and kept.

    `build` returns what the endpoint would have returned (schemas); it is dumped
    and rendered the way Ninja renders a response, so the bytes are the same.
    It runs after the version in `etag` was read, so what it reads is at least
    that new: a kept answer is never older than its ETag says.
    """
    key = (key, translation.get_language())
    if etag_matches(request.headers.get("If-None-Match"), etag):
        # Nothing changed since the client's copy: no body, no database work beyond the version.
        response: HttpResponse = HttpResponseNotModified()
    else:
        kept = answers.get(key)
        if kept is None or kept[0] != etag:
            body = _renderer.render(request, _dump(build()), response_status=200)
            kept = (etag, body.encode() if isinstance(body, str) else body)
            answers.put(key, kept)
        response = HttpResponse(kept[1], content_type=CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    # What the handler needs to answer the same request again without Django (replay()).
    response._readcache = (etag, translation.get_language() or "")  # type: ignore[attr-defined]
    return response


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(v) for v in value]
    dump = getattr(value, "model_dump", None)
    return dump() if dump is not None else value


# --- Replay: the same request answered again before Django sees it ------------------------
#
# A kept answer still costs the whole request path (middleware, URL resolver, Ninja) for
# a body that is already known. The handler (counter.handlers) therefore keeps each hot
# read's final response, headers and all, under the request's path and language inputs,
# and answers the same GET again after one query for what the ETag is made of: the
# same ETag, the same bytes, or a 304. Anything else (another ETag, a session cookie, an
# error) takes the normal path, which renders and keeps the new answer.

_HOT_PATHS = re.compile(
    r"^/api/v1/(?:sites/(?P<site>[-a-zA-Z0-9_]+)/(?:business-types|snapshot)|tickets/(?P<token>[^/]+))/$"
)
_NOT_MODIFIED_DROPS = frozenset({b"content-length", b"content-type"})


@dataclass(frozen=True)
class Replay:
    etag: str
    language: str
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def not_modified_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k, v) for k, v in self.headers if k.lower() not in _NOT_MODIFIED_DROPS]


replays = Answers()


def replay_key(scope: dict[str, Any]) -> tuple[Any, ...] | None:
    """The request's key among replays, or None when it is not a plain hot read."""
    if scope.get("method") != "GET" or _HOT_PATHS.match(scope.get("path", "")) is None:
        return None
    cookie = accept = b""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            cookie = value
        elif name == b"accept-language":
            accept = value
    cookies = parse_cookie(cookie.decode("latin-1")) if cookie else {}
    if settings.SESSION_COOKIE_NAME in cookies:
        return None  # a signed-in page: the full path, with its session
    return (scope["path"], scope.get("query_string", b""), cookies.get(settings.LANGUAGE_COOKIE_NAME), accept)


def remember(key: tuple[Any, ...], response: Any) -> None:
    """Keep a hot read's final 200 (after every middleware) for replay()."""
    meta = getattr(response, "_readcache", None)
    if meta is None or response.status_code != 200 or response.cookies:
        return
    etag, language = meta
    headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in response.items()]
    replays.put(key, Replay(etag, language, headers, bytes(response.content)))


def replay(key: tuple[Any, ...], scope: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """Status, headers and body for a hot read whose kept answer is still current, else None.

    Runs on an HTTP thread: one query, then the connection goes back as after a request.
    """
    kept: Replay | None = replays.get(key)
    if kept is None:
        return None
    match = _HOT_PATHS.match(scope["path"])
    assert match is not None
    try:
        parts = _current(match["site"], match["token"])
    except DatabaseError:
        return None  # the normal path answers (503 when the database is gone)
    finally:
        close_old_connections()
    if parts is None:
        return None
    etag = make_etag(parts[0], parts[1:], kept.language)
    if etag != kept.etag:
        return None
    inm = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"if-none-match"), "")
    if etag_matches(inm, etag):
        return 304, kept.not_modified_headers(), b""
    return 200, kept.headers, kept.body


def _current(slug: str | None, token: str | None) -> tuple[Any, ...] | None:
    """(site version, *ticket parts) as the endpoints put them in the ETag, by one plain query."""
    site, ticket = Site._meta.db_table, Ticket._meta.db_table
    with connection.cursor() as cursor:
        if token is not None:
            cursor.execute(
                f"SELECT s.version, t.status, t.recalls FROM {ticket} t JOIN {site} s ON s.id = t.site_id "  # noqa: S608
                "WHERE t.token = %s",
                [token],
            )
        else:
            cursor.execute(f"SELECT version FROM {site} WHERE slug = %s", [slug])  # noqa: S608
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


# --- The display socket's snapshot, once per site version -----------------------------------
#
# After a restart a hall's screens all reconnect at once, and each one's first frame is the
# site's snapshot: the same answer for every screen of a language. It is kept here like the
# API's answers, by site version, language and minute, as text without the lobby's notice
# line, which edits change without a version and which comes with the site row the socket
# reads anyway (display_snapshot_text puts it back).


def display_snapshot_key(site: Site, language: str) -> tuple[Any, ...]:
    """The kept snapshot frame's key; `site` as read on this connect (its version is the socket's).

    The supervisor's choice of names or police numbers on the screens changes no version but
    shows from the next snapshot on: it comes with the same site row, so it is part of the key.
    """
    minute = int(time.time() // 60)
    return ("display-snapshot", site.pk, site.version, site.officer_names_public, language, minute)


def display_snapshot_body(payload: dict[str, Any]) -> str:
    """A snapshot payload (broadcast.snapshot_payload, relabelled) as kept: encoded, without the notice line."""
    from queueing.broadcast import dumps, notice_fields

    notice = notice_fields(Site())
    return dumps({k: v for k, v in payload.items() if k not in notice})


def display_snapshot_text(body: str, site: Site) -> str:
    """The kept body with this site row's notice line: the bytes `dumps(snapshot_payload(site))` gives."""
    from queueing.broadcast import dumps, notice_fields

    return body[:-1] + "," + dumps(notice_fields(site))[1:]
