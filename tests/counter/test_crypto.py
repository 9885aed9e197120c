"""Personal data is stored encrypted and read back as it was; keys rotate."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from counter import crypto


def test_text_comes_back_and_is_not_stored_plain(settings: Any) -> None:
    settings.COUNTER_DATA_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("张三 13800001234")
    assert "张三" not in token and "13800001234" not in token
    assert crypto.decrypt(token) == "张三 13800001234"
    assert crypto.encrypt("x") != crypto.encrypt("x")  # random IV: equal values don't look equal


def test_a_new_key_first_still_reads_what_the_old_one_wrote(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.COUNTER_DATA_KEYS = [old]
    token = crypto.encrypt("北门村 3 组")
    settings.COUNTER_DATA_KEYS = [new, old]
    assert crypto.decrypt(token) == "北门村 3 组"
    settings.COUNTER_DATA_KEYS = [new]
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)


def test_a_malformed_key_is_refused(settings: Any) -> None:
    settings.COUNTER_DATA_KEYS = ["change-me"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_the_keyed_hash_is_stable_and_depends_on_purpose_and_secret(settings: Any) -> None:
    first = crypto.keyed_hash("13800001234", purpose="phone")
    assert first == crypto.keyed_hash("13800001234", purpose="phone")
    assert first != crypto.keyed_hash("13800001234", purpose="other")
    assert "13800001234" not in first
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert crypto.keyed_hash("13800001234", purpose="phone") != first
