"""What `manage.py seed_demo` also sets up for the apps built on the queue.

The command belongs to the queue, which must not import those apps: each registers
a function here from its `AppConfig.ready()`; it runs in the command's transaction
with the demo site, and must create nothing when run again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from queueing.models import Site

DEMO_HOOKS: list[Callable[[Site], Any]] = []
