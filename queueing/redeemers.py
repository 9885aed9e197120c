"""Codes the issue endpoint redeems for a ticket on behalf of the apps built on the queue.

The SPEC's fixed issue path takes `appointment_code`, but bookings belong to the
appointments app, which the queue must not import; the app registers its redeemer
here from its `AppConfig.ready()`.
"""

from __future__ import annotations

from typing import Protocol

from queueing.models import Site
from queueing.services import Actor, Issued


class Redeemer(Protocol):
    def __call__(self, *, site: Site, code: str, actor: Actor, idempotency_key: str | None) -> Issued: ...


_redeemers: dict[str, Redeemer] = {}


def register(field: str, redeemer: Redeemer) -> None:
    """`field` is the issue payload's field that carries the code."""
    _redeemers[field] = redeemer


def get(field: str) -> Redeemer | None:
    return _redeemers.get(field)
