"""Django's ASGI handler, serving each request in one hop to a fixed pool of threads.

Django's own ASGIHandler runs the middleware chain in async mode: every
synchronous middleware hook (sessions, locale, CSRF, WhiteNoise, …) and then
the view each hop to a worker thread and back, and every request gets a new
thread, so a new database connection. All of Counter's views and middleware
are synchronous, so this handler builds the chain in sync mode — as under
WSGI — and runs the whole request (signals, middleware, view) in one call on
one of a few long-lived threads. Their database connections persist (SQLite)
or come from the pool (PostgreSQL). It costs the server about a third less
CPU per API request (README "Benchmark"). The hot public reads go shorter
still when nothing changed since their last answer: queueing/readcache.py.

Given up against Django's handler: a request is not cancelled when its client
disconnects half-way (Counter's requests take milliseconds). WebSockets are
untouched: Channels routes them elsewhere.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.db import close_old_connections
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix
from django.utils.module_loading import import_string

from queueing import broadcast, readcache

API_PREFIX = "/api/v1/"


class MiddlewareChain(BaseHandler):
    """The same views behind another list of (synchronous) middleware: the API's short chain."""

    def __init__(self, paths: list[str]) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(paths):  # as BaseHandler.load_middleware, sync only
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class PooledASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        self._api = MiddlewareChain(settings.COUNTER_API_MIDDLEWARE)
        self._threads = ThreadPoolExecutor(max_workers=settings.COUNTER_HTTP_THREADS, thread_name_prefix="http")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        loop = asyncio.get_running_loop()
        broadcast.remember_loop(loop)  # live updates from worker threads go to this loop
        try:
            key = readcache.replay_key(scope)
            if key is not None:
                # A hot read answered before: one query for its ETag instead of the whole path.
                kept = await loop.run_in_executor(self._threads, readcache.replay, key, scope)
                if kept is not None:
                    status, headers, body = kept
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
            # run_in_executor, not sync_to_async: no context is copied in, so
            # each thread keeps its own (thread-local) database connection.
            response = await loop.run_in_executor(self._threads, self._respond, scope, body_file)
            if key is not None:
                readcache.remember(key, response)
            try:
                await self.send_response(response, send)
            finally:
                await loop.run_in_executor(self._threads, response.close)  # fires request_finished
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        try:
            request, error_response = self.create_request(scope, body_file)
            if request is None:
                assert error_response is not None  # Django returns one or the other
                return error_response
            if request.path.startswith(API_PREFIX) and settings.SESSION_COOKIE_NAME not in request.COOKIES:
                # Kiosks, phones, displays and desk devices: no session to read (settings.COUNTER_API_MIDDLEWARE).
                response = self._api.get_response(request)
            else:
                response = self.get_response(request)
        finally:
            # Hand a pooled connection back (or drop a broken one) on this thread;
            # request_finished may run on another.
            close_old_connections()
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        return response
