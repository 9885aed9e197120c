"""One log line when Redis goes away and one when it is back, instead of one a second.

While Redis is down, channels_redis's receive loop logs "Unexpected exception in
receive task" with a traceback every second, in every worker: a night's outage
buries everything else in the log. This filter, on the `channels_redis.pubsub`
logger (see LOGGING in counter/settings.py), lets the first of them through as
a one-line warning, drops the rest, and says when they have stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

RECEIVE_FAILURE = "Unexpected exception in receive task"
# The failing loop retries every second: this long without a failure means Redis answers again.
QUIET_SECONDS = 3.0


class RedisOutage(logging.Filter):
    def __init__(self, name: str = "", quiet_seconds: float = QUIET_SECONDS) -> None:
        super().__init__(name)
        self.quiet_seconds = quiet_seconds
        self.last_failure: float | None = None
        self.logger: logging.Logger | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != RECEIVE_FAILURE:
            return True
        first = self.last_failure is None
        self.last_failure = time.monotonic()
        if not first:
            return False
        error = record.exc_info[1] if record.exc_info else None
        record.msg = "Redis is unreachable: live updates between workers wait until it is back (%s)."
        record.args = (f"{type(error).__name__}: {error}" if error else "no detail",)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        self.logger = logging.getLogger(record.name)
        with contextlib.suppress(RuntimeError):  # not on an event loop: nothing to time the end with
            asyncio.get_running_loop().call_later(self.quiet_seconds, self._check)
        return True

    def _check(self) -> None:
        if self.last_failure is None:
            return
        quiet = time.monotonic() - self.last_failure
        if quiet < self.quiet_seconds:
            asyncio.get_running_loop().call_later(self.quiet_seconds - quiet + 0.05, self._check)
            return
        self.last_failure = None
        if self.logger is not None:
            self.logger.warning("Redis answers again: live updates between workers flow again.")
