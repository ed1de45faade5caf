"""An ASGI app served by uvicorn in a thread, for real clients (browsers, plain git).

The socket is bound before the app exists (``loopback_socket``), so that the
app may be told its own address and no other process can take the port meanwhile.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

from tests.support.services import wait_for


def loopback_socket() -> tuple[socket.socket, str]:
    """A socket bound to a free loopback port, and the base URL it will answer on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serving(
    app: Any,
    sock: socket.socket,
    lifespan: Literal["auto", "on", "off"] = "auto",
    timeout_s: float = 20.0,
) -> Iterator[None]:
    """Serve ``app`` on ``sock`` until the block ends; the socket is closed afterwards."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for("the test server starts", lambda: server.started, timeout_s, 0.02)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
