"""Who may act on a desk: a signed-in officer of its site, or the desk's own device."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from queueing import selectors
from queueing.errors import Forbidden
from queueing.models import Desk, DeskToken, Site, hash_token
from queueing.ratelimit import client_address
from queueing.roles import OFFICER, SUPERVISOR
from queueing.services import Actor


class DeskDeviceAuth(HttpBearer):
    """`Authorization: Bearer <token>` from `manage.py desk_token`."""

    def authenticate(self, request: HttpRequest, token: str) -> DeskToken | None:
        if not token or len(token) > 200:
            return None
        return selectors.device_token(hash_token(token))


class OfficerSessionAuth(SessionAuth):
    """The desk page's session, with Django's CSRF check."""

    def __call__(self, request: HttpRequest) -> User | None:
        # Without a signed-in session the answer is 401 (sign in), not a CSRF 403.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        return user if isinstance(user, User) else None


desk_auth = [DeskDeviceAuth(), OfficerSessionAuth()]


def works_at(user: User | AnonymousUser, site: Site) -> bool:
    """Officers and supervisors act for their own site; superusers for any."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "staff", None)
    return (
        profile is not None
        and profile.site_id == site.pk
        and user.groups.filter(name__in=(OFFICER, SUPERVISOR)).exists()
    )


def desk_actor(request: HttpRequest, desk: Desk) -> Actor:
    """The Actor for a desk action, or Forbidden when the credentials belong elsewhere."""
    auth: Any = request.auth  # type: ignore[attr-defined]
    address = client_address(request)
    if isinstance(auth, DeskToken):
        if auth.desk_id != desk.pk:
            raise Forbidden()
        return Actor(kind="device", device=auth, address=address)
    if not works_at(auth, desk.site):
        raise Forbidden()
    return Actor(kind="officer", user=auth, address=address)


class SignInGuard(AxesStandaloneBackend):  # type: ignore[misc]  # axes has no type hints
    """django-axes' lockout check on every sign-in that comes with a request (the form, the admin).

    A sign-in without a request (a management command, the shell) comes from no
    address: there is nothing to count, and axes would refuse it outright.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        super().authenticate(request, *args, **kwargs)
        return None
