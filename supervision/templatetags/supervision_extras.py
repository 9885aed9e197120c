"""Small helpers of the supervision pages' templates."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def lookup(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None
