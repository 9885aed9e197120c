"""PostgreSQL keeps the plans of the statements a connection repeats (counter/settings.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from queueing import services
from queueing.models import Desk

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs postgres: prepared statements"),
]


def test_the_queue_head_read_of_a_call_is_prepared_after_a_few_calls(desk: Desk, issue: Any) -> None:
    for _ in range(8):
        issue("A")
    for _ in range(7):
        services.call_next(desk=desk, actor=services.Actor.system())
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        prepared = dict(cursor.fetchall())
    heads = [runs for statement, runs in prepared.items() if "ORDER BY priority DESC" in statement]
    # Prepared on its sixth run (psycopg's threshold of five), run as prepared from then on.
    assert heads and heads[0] >= 1, sorted(prepared)


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from counter import settings as project

    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    try:
        options = importlib.reload(project).DATABASES["default"]["OPTIONS"]
        assert "prepare_threshold" not in options and "server_side_binding" not in options
    finally:
        monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS")
        options = importlib.reload(project).DATABASES["default"]["OPTIONS"]
    assert options["prepare_threshold"] == 5 and options["server_side_binding"] is True
