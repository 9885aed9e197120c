"""Security settings: sign-in lockout (django-axes), the Content-Security-Policy, and `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from queueing.models import Site
from tests.conftest import make_staff

PASSWORD = "pw-Counter-123"
LOGIN = "/accounts/login/"


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.5") -> int:
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)
    return response.status_code


@pytest.fixture
def officer2(site: Site) -> User:
    return make_staff("officer2", site, password=PASSWORD)


def test_ten_wrong_passwords_lock_that_name_from_that_address(client: Client, officer: User, officer2: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "officer1", "wrong") == 200  # the form again, with its error
    assert sign_in(client, "officer1", "wrong") == 429  # the tenth failure locks
    # Locked: even the right password is refused, from that address, for that name.
    assert sign_in(client, "officer1", PASSWORD) == 429
    # Another officer at the same PC, and the same officer from another PC, sign in as usual.
    assert sign_in(Client(), "officer2", PASSWORD) == 302
    assert sign_in(Client(), "officer1", PASSWORD, address="10.0.0.6") == 302


def test_a_good_sign_in_resets_the_count(client: Client, officer: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "officer1", "wrong")
    assert sign_in(client, "officer1", PASSWORD) == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "officer1", "wrong") == 200


def test_a_lockout_lasts_fifteen_minutes() -> None:
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_every_page_and_answer_carries_a_strict_csp(client: Client, site: Site, types: Any) -> None:
    for path in ["/kiosk/hall/", "/display/hall/", LOGIN, "/api/v1/sites/hall/snapshot/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = dict(
            (part.split(" ", 1) + [""])[:2] for part in response["Content-Security-Policy"].split("; ") if part
        )
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]
        assert set(policy["connect-src"].split()) == {"'self'", "ws:", "wss:"}
        assert policy["object-src"] == "'none'"


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x9!Pq2-" + "k7Vw3#Lz8@Rt5^Nm1&Bc4*Hd6(Jf0)Gs" * 2,
    "COUNTER_REQUIRE_SECRET_KEY": "1",
    "ALLOWED_HOSTS": "counter.station.example",
    "CSRF_TRUSTED_ORIGINS": "https://counter.station.example",
    "SECURE_COOKIES": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "1",
    # Production refuses to start without a key for personal data (counter.crypto).
    "COUNTER_DATA_KEYS": "h5B7xQ2mN9pR4sT6vW8yZ0aC3dF5gJ7kL9nP2qS4uV8=",
}


def test_check_deploy_is_clean_with_the_production_settings() -> None:
    env = {**os.environ, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "counter.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Only the SSL redirect is silenced (TLS ends at the proxy, which redirects); nothing else is raised.
    assert "System check identified no issues (1 silenced)." in result.stdout, result.stdout + result.stderr


def test_production_cookies_are_secure_and_hsts_is_sent() -> None:
    env = {**os.environ, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "counter.settings"}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True", "31536000", "True", "True", "False", "False"], result.stderr
