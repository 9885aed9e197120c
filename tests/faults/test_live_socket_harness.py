"""The fault tests' screen (instances.LiveSocket) does what live.js does when its server is gone."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from tests.faults.instances import LiveSocket


class DeadServerSocket:
    """A socket whose server was killed: frames it sent before dying are still buffered; a send fails."""

    def __init__(self, frames: list[dict[str, Any]]) -> None:
        self.frames = [json.dumps(f) for f in frames]

    def recv(self, timeout: float) -> str:
        if self.frames:
            return self.frames.pop(0)
        raise ConnectionResetError("closed")

    def send(self, data: str) -> None:
        raise BrokenPipeError(32, "Broken pipe")


class QuietSocket:
    """The new server's socket: nothing to say."""

    def recv(self, timeout: float) -> str:
        raise TimeoutError


def test_a_gap_in_frames_left_by_a_dead_server_reconnects_instead_of_failing() -> None:
    screen = LiveSocket("ws://127.0.0.1:9/unused")
    screen.version = 3
    screen.socket = DeadServerSocket([{"type": "call", "version": 7}])  # type: ignore[assignment]
    snapshot = {"type": "snapshot", "version": 9}

    def reconnect(timeout: float = 30) -> dict[str, Any]:
        screen.socket = None
        screen.take(snapshot)
        screen.socket = QuietSocket()  # type: ignore[assignment]
        return snapshot

    with mock.patch.object(screen, "connect", side_effect=reconnect) as connected:
        screen.until_reconnected(timeout=5)
    assert connected.call_count == 1
    assert screen.version == 9
