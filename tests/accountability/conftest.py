"""The supervision fixtures (the hand-computed day of 2 November 2026) for the accountability tests."""

from tests.supervision.conftest import _fresh_cache, scenario  # noqa: F401
