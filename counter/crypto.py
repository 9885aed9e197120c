"""Encryption at rest for a citizen's personal data (outreach's name, number and address; a
booking's mobile number when the site has a notifier).

A project-wide primitive rather than part of one app: both apps that hold personal data use it,
and neither should import the other. Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`)
with keys from the environment: `COUNTER_DATA_KEYS`, comma-separated, the first encrypts and every
one decrypts, so a key is rotated by putting the new one first (`rotate_data_keys` re-encrypts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        # Development and tests only (settings refuse an empty key list in production): a key
        # derived from SECRET_KEY, so a fresh checkout works without one more variable.
        derived = hashlib.sha256(b"counter-data-key:" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("COUNTER_DATA_KEYS holds a key that is not 32 url-safe base64 bytes.") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.COUNTER_DATA_KEYS), settings.SECRET_KEY)


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("Personal data cannot be decrypted with COUNTER_DATA_KEYS.") from exc


def keyed_hash(text: str, *, purpose: str) -> str:
    """A stable, keyed digest (HMAC-SHA256) for finding equal values without storing them."""
    key = hashlib.sha256(f"counter-hash:{purpose}:".encode() + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored as a Fernet token; read back as the plain text. Cannot be filtered on."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(str(value))
