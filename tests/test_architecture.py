"""Dependencies point down to the queue: `queueing/` imports none of the apps built on it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# `notices` is not among them: a ticket records the checklist version it was shown, and issuing
# redeems a missing-documents notice in the same transaction, so the queue builds on the checklists.
APPS_ABOVE_THE_QUEUE = {"supervision", "appointments", "outreach", "counter"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "queueing").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_queue_imports_no_app_built_on_it(path: Path) -> None:
    above = {m for m in imported_modules(path) if m.split(".")[0] in APPS_ABOVE_THE_QUEUE}
    # The ASGI settings module is named in strings, not imported; anything else is a cycle in the making.
    assert not above, f"{path.relative_to(ROOT)} imports {sorted(above)}"


@pytest.mark.parametrize("app", ["notices", "supervision"])
def test_an_apps_router_does_not_import_the_queues_router(app: str) -> None:
    # Shared helpers live in queueing.apikit; the root API object in counter.api mounts the routers.
    assert "queueing.api" not in imported_modules(ROOT / app / "api.py")
