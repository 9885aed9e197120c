"""A socket speaks the language of the page that opened it.

Broadcasts are built once, in the site's default language, and every socket of
that language gets the text as it is. A socket of another language gets the few
labels the server words itself (a ticket's status, a desk's default name)
re-worded, once per message and language however many sockets share them.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from queueing.models import Desk, Ticket


def of_scope(scope: dict[str, Any]) -> str:
    """The language a page opened with this handshake is in: cookie, then Accept-Language (as LocaleMiddleware)."""
    headers = dict(scope.get("headers") or [])
    # Display sockets skip Channels' cookie middleware (counter/routing.py): read the header here.
    cookies = scope.get("cookies") or parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))
    cookie = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    candidates = [cookie] if cookie else []
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _q in parse_accept_lang_header(accept) if code != "*"]
    for code in candidates:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def is_default(language: str) -> bool:
    return language == settings.LANGUAGE_CODE


def _desk_label(number: Any, language: str) -> str:
    with translation.override(language):
        return str(Desk(number=number))


def _relabel(node: Any, language: str) -> None:
    if isinstance(node, list):
        for item in node:
            _relabel(item, language)
        return
    if not isinstance(node, dict):
        return
    status = node.get("status")
    if "status_label" in node and status in Ticket.Status.values:
        with translation.override(language):
            node["status_label"] = str(Ticket.Status(status).label)
    # A desk's name is re-worded only where it is the default one ("1号窗口" → "Desk 1"): a name the
    # site gave a desk is the desk's own.
    number = node.get("desk") if "desk_name" in node else node.get("number") if "state" in node else None
    key = "desk_name" if "desk_name" in node else "name"
    if number is not None and node.get(key) == _desk_label(number, settings.LANGUAGE_CODE):
        node[key] = _desk_label(number, language)
    for value in node.values():
        if isinstance(value, dict | list):
            _relabel(value, language)


def relabel_payload(payload: dict[str, Any], language: str) -> dict[str, Any]:
    """The payload (built in the default language) with the server's own labels in `language`; changed in place."""
    if not is_default(language):
        _relabel(payload, language)
    return payload


def text_for(event: dict[str, Any], language: str) -> str:
    """A layer message's text in `language`, re-worded once per message and language."""
    text: str = event["text"]
    if is_default(language):
        return text
    cache = event.setdefault("texts", {})
    if language not in cache:
        from queueing.broadcast import dumps

        cache[language] = dumps(relabel_payload(json.loads(text), language))
    result: str = cache[language]
    return result
