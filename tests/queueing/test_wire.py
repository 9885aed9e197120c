"""The display fan-out's frame writer (queueing/wire.py) against daphne's and autobahn's own classes."""

from __future__ import annotations

import contextlib
import functools
import pprint
import socket
from typing import Any

import pytest
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory
from twisted.internet.tcp import Connection
from twisted.internet.testing import MemoryReactor, StringTransport
from websockets.frames import Frame, Opcode

from queueing import wire


def daphne_socket() -> tuple[Any, Any]:
    """A daphne WebSocket protocol, open, over a transport that keeps what is written; and its ASGI send."""
    server = Server(application=None, endpoints=["tcp:port=0"])
    protocol = WebSocketFactory(server, server="daphne").buildProtocol(None)
    protocol.transport = StringTransport()
    protocol._connectionMade()
    protocol.state = protocol.STATE_OPEN
    return protocol, functools.partial(server.handle_reply, protocol)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_frame_is_the_one_a_websocket_library_builds(size: int) -> None:
    text = "号" * (size // 3) + "x" * (size % 3)  # three bytes each in UTF-8
    assert len(text.encode()) == size
    assert wire.text_frame(text) == Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


def test_a_frame_is_the_one_autobahn_would_have_sent() -> None:
    protocol, _ = daphne_socket()
    text = '{"type":"call","number":"A001","desk_name":"1号窗口"}'
    protocol.sendMessage(text.encode())
    assert protocol.transport.value() == wire.text_frame(text)


def test_a_frame_is_built_once_per_message_and_language() -> None:
    event: dict[str, Any] = {"text": "{}"}
    first = wire.frame_for(event, "{}", "zh-hans")
    assert wire.frame_for(event, "ignored: kept", "zh-hans") is first
    assert wire.frame_for(event, '{"a":1}', "en") == wire.text_frame('{"a":1}')


def test_a_daphne_socket_gets_the_frame_written_to_its_connection() -> None:
    protocol, send = daphne_socket()
    write = wire.raw_writer(send)
    assert write is not None
    frame = wire.text_frame('{"type":"update"}')
    assert write(frame) is True
    assert protocol.transport.value() == frame


@pytest.mark.parametrize(
    "state",
    [
        {"state": "STATE_CLOSING"},
        {"state": "STATE_CLOSED"},
        {"_perMessageCompress": object()},
        {"send_state": "SEND_STATE_INSIDE_MESSAGE"},
    ],
    ids=["closing", "closed", "compressing", "mid-message"],
)
def test_a_socket_not_simply_open_is_left_to_the_usual_path(state: dict[str, Any]) -> None:
    protocol, send = daphne_socket()
    for name, value in state.items():
        setattr(protocol, name, getattr(protocol, value) if isinstance(value, str) else value)
    write = wire.raw_writer(send)
    assert write is not None
    assert write(wire.text_frame("{}")) is False
    assert protocol.transport.value() == b""


def test_a_socket_with_queued_writes_is_left_to_the_usual_path() -> None:
    protocol, send = daphne_socket()
    protocol.send_queue.append((b"chopped", False))
    write = wire.raw_writer(send)
    assert write is not None and write(wire.text_frame("{}")) is False


def test_another_server_or_a_test_communicator_gets_no_writer() -> None:
    async def send(message: dict[str, Any]) -> None:
        pass

    assert wire.raw_writer(send) is None
    assert wire.raw_writer(functools.partial(send)) is None
    assert wire.raw_writer(functools.partial(print, object())) is None


def tcp_pair() -> tuple[Connection, socket.socket, MemoryReactor]:
    """Twisted's TCP transport over one end of a real socket pair (the other end is the screen)."""
    ours, screen = socket.socketpair()
    ours.setblocking(False)
    screen.settimeout(5)  # a frame that was not sent fails the test, not hangs it
    reactor = MemoryReactor()
    transport = Connection(ours, protocol=None, reactor=reactor)
    transport.connected = True
    return transport, screen, reactor


def test_a_frame_goes_out_at_once_when_nothing_waits_before_it() -> None:
    transport, screen, reactor = tcp_pair()
    wire.send_now(transport, b"frame")
    assert screen.recv(100) == b"frame"
    assert reactor.writers == set()  # the reactor was not asked to wait for the socket


def test_a_frame_waits_behind_what_the_transport_holds_already() -> None:
    transport, screen, reactor = tcp_pair()
    transport.write(b"earlier ")  # buffered, the reactor asked to call back
    wire.send_now(transport, b"frame")
    screen.setblocking(False)
    with pytest.raises(BlockingIOError):
        screen.recv(100)  # nothing overtook the buffer
    transport.doWrite()
    assert screen.recv(100) == b"earlier frame"


def test_what_the_socket_does_not_take_is_sent_by_the_transport_in_order() -> None:
    transport, screen, reactor = tcp_pair()
    transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    big = bytes(range(256)) * 4096  # 1 MB: more than the socket takes at once
    wire.send_now(transport, big)
    assert transport in reactor.writers  # the rest waits in Twisted's buffer
    received = b""
    screen.setblocking(False)
    while len(received) < len(big):
        with contextlib.suppress(BlockingIOError):
            received += screen.recv(1 << 16)
        transport.doWrite()
    assert received == big


def test_a_closing_transport_writes_as_usual() -> None:
    transport, screen, reactor = tcp_pair()
    transport.disconnecting = True
    wire.send_now(transport, b"frame")
    assert list(transport._tempDataBuffer) == [b"frame"]


@pytest.mark.parametrize(("level", "formatted"), [("info", False), ("debug", True)])
def test_autobahn_formats_its_settings_only_when_its_debug_log_is_on(
    monkeypatch: pytest.MonkeyPatch, level: str, formatted: bool
) -> None:
    import autobahn.websocket.protocol as autobahn_protocol
    import txaio

    monkeypatch.setattr(autobahn_protocol, "pformat", pprint.pformat)  # as autobahn has it; restored after
    monkeypatch.setattr(txaio, "get_global_log_level", lambda: level)
    wire.skip_unlogged_debug_text()
    settings = [("autoPingInterval", 20, "WebSocketFactory")]
    assert (autobahn_protocol.pformat(settings) == pprint.pformat(settings)) is formatted
    protocol, _ = daphne_socket()  # a connection still opens
    assert protocol.state == protocol.STATE_OPEN
