"""One encoded WebSocket frame written to many display sockets: the lobby's fan-out, made cheap.

A display socket forwards a broadcast's text unchanged, and a server's frames
are not masked (RFC 6455 §5.1): every display of a site that reads one
language gets the very same bytes. Through Channels and daphne each socket
would build them again: the consumer's send, daphne's reply hop, autobahn's
sendMessage → sendFrame → sendData (which formats debug text on every call,
logged or not). Here the frame is built once per message and language
(`frame_for`), and `raw_writer` writes it to each connection, as autobahn's
write would end, with one difference: Twisted's TCP transport never sends at
once but asks the reactor to tell it when the socket is writable (two
epoll_ctl calls and a callback per socket and message: most of a 1,000-screen
fan-out's CPU, bench/fanout.py with py-spy). When nothing is waiting in its
buffer, the frame is sent on the socket straight away, as asyncio's own
transports do; whatever the socket does not take goes to the transport's
buffer, so Twisted sends it next, in order, and sees any error itself.

Only where that is the same as the usual path: the socket is daphne's (ASGI's
`send` is daphne's reply function bound to its protocol), open, sends
uncompressed (daphne offers no permessage-deflate, but a check costs nothing)
and has nothing queued. Anything else — a closing socket, a test's
communicator, another server — returns False or None and the caller sends as
usual, so the order of frames on a socket never changes: both paths write
to the transport synchronously.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import autobahn.websocket.protocol
import txaio
from autobahn.websocket.protocol import WebSocketProtocol
from daphne.server import Server as DaphneServer
from twisted.internet.tcp import Connection

TEXT_FIN = 0x81  # FIN + opcode 1 (text); no RSV bits: uncompressed


def text_frame(text: str) -> bytes:
    """A whole unmasked text frame, as a server sends it."""
    payload = text.encode()
    size = len(payload)
    if size <= 125:
        header = bytes((TEXT_FIN, size))
    elif size <= 0xFFFF:
        header = struct.pack("!BBH", TEXT_FIN, 126, size)
    else:
        header = struct.pack("!BBQ", TEXT_FIN, 127, size)
    return header + payload


def frame_for(event: dict[str, Any], text: str, language: str) -> bytes:
    """`text` (the message `event` in `language`) as a frame, built once per message and language."""
    frames: dict[str, bytes] = event.setdefault("frames", {})
    frame = frames.get(language)
    if frame is None:
        frame = frames[language] = text_frame(text)
    return frame


def raw_writer(send: Any) -> Callable[[bytes], bool] | None:
    """For a socket daphne serves, a function that writes a ready frame to it and says whether it did."""
    server = getattr(getattr(send, "func", None), "__self__", None)
    args: tuple[Any, ...] = getattr(send, "args", ())
    if not isinstance(server, DaphneServer) or len(args) != 1:
        return None
    if not isinstance(args[0], WebSocketProtocol):
        return None
    protocol: Any = args[0]  # autobahn's WebSocketServerProtocol, with daphne's transport

    def write(frame: bytes) -> bool:
        if (
            protocol.state != WebSocketProtocol.STATE_OPEN
            or protocol._perMessageCompress is not None
            or protocol.send_queue
            or protocol.send_state != WebSocketProtocol.SEND_STATE_GROUND
        ):
            return False
        send_now(protocol.transport, frame)
        return True

    return write


def send_now(transport: Any, frame: bytes) -> None:
    """`transport.write(frame)`, sent on the socket at once when nothing waits in the transport."""
    if (
        isinstance(transport, Connection)  # plain TCP: TLS and other transports write as usual
        and transport.connected
        and not transport.disconnecting
        and not transport._writeDisconnected
        and not transport.dataBuffer
        and not transport._tempDataBuffer
    ):
        try:
            sent = transport.socket.send(frame)
        except OSError:  # it would block, or the connection is going: Twisted's write finds out
            sent = 0
        if sent == len(frame):
            return
        frame = frame[sent:]
    transport.write(frame)


def skip_unlogged_debug_text() -> None:
    """Stop autobahn formatting its whole configuration for a debug line at every connection.

    It calls pformat() on the connection's settings before its logger decides to drop the
    line (a tenth of a socket's opening, in a hall reconnecting after a restart); unless
    autobahn's debug log is on, that text is never made. Called by counter/asgi.py.
    """
    if txaio.get_global_log_level() not in ("debug", "trace"):  # type: ignore[attr-defined]  # set by use_twisted()
        autobahn.websocket.protocol.pformat = _unlogged  # type: ignore[attr-defined]


def _unlogged(*_args: Any, **_kwargs: Any) -> str:
    return ""
