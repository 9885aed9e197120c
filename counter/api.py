"""The root of the JSON API v1: one NinjaAPI that mounts every app's router."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from appointments.api import router as appointments_router
from notices.api import router as notices_router
from outreach.api import router as outreach_router
from queueing.api import router as queueing_router
from queueing.apikit import install_error_handlers, with_links
from supervision.api import router as supervision_router


class CounterAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return with_links(super().get_openapi_schema(*args, **kwargs))


def build_api() -> NinjaAPI:
    api = CounterAPI(
        title="Counter API",
        version="1",
        description="Queue of a household-registration hall: kiosks, phones, desks and displays.",
        urls_namespace="api",
    )
    install_error_handlers(api)
    api.add_router("/", queueing_router)
    api.add_router("/", notices_router)
    api.add_router("/", supervision_router)
    api.add_router("/", outreach_router)
    api.add_router("/", appointments_router)
    return api


api = build_api()
