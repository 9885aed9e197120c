"""A Redis outage is two log lines (gone, back), not one a second with a traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest

from queueing.outage import RECEIVE_FAILURE, RedisOutage


def failure(logger: logging.Logger) -> None:
    try:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    except ConnectionError:
        logger.exception(RECEIVE_FAILURE)


@pytest.mark.asyncio
async def test_an_outage_is_one_line_when_it_starts_and_one_when_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("channels_redis.pubsub.test")
    outage = RedisOutage(quiet_seconds=0.3)
    logger.addFilter(outage)
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            for _ in range(6):  # the receive loop's retries while Redis is down
                failure(logger)
                await asyncio.sleep(0.05)
            logger.info("something else entirely")
            for _ in range(100):
                if any("again" in r.getMessage() for r in caplog.records):
                    break
                await asyncio.sleep(0.05)
            failure(logger)  # a second outage is told again
    finally:
        logger.removeFilter(outage)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines[0][0] == "WARNING" and lines[0][1].startswith("Redis is unreachable")
    assert "Connection refused" in lines[0][1]
    assert lines[1] == ("INFO", "something else entirely")
    assert lines[2] == ("WARNING", "Redis answers again: live updates between workers flow again.")
    assert lines[3][1].startswith("Redis is unreachable")
    assert len(lines) == 4
    assert all(r.exc_info is None for r in caplog.records)  # no traceback a second


def test_the_settings_put_the_filter_on_channels_redis() -> None:
    assert any(isinstance(f, RedisOutage) for f in logging.getLogger("channels_redis.pubsub").filters)
