"""The wire between the trusted and the candidate process, over a real socket pair in threads.

The Docker-level guarantee is tested by tests/attacks; these pin the codec: values come
back as fresh builtin objects, handles keep identity, and a reply nobody asked for ends
the link.
"""

from __future__ import annotations

import datetime
import decimal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "grader" / "runner"))

import grader_wire as wire


class Evil(dict):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def bump(self) -> int:
        self.n += 1
        return self.n


class Far:
    """What the far side exports: a few functions and objects."""

    def __init__(self) -> None:
        self.counter = Counter()

    def echo(self, value: Any) -> Any:
        return value

    def evil(self) -> Any:
        return Evil(a=1)

    def calls_back(self, function: Any) -> Any:
        return function(20) + 1


@pytest.fixture
def pair() -> Iterator[tuple[wire.Connection, Any]]:
    near_sock, far_sock = socket.socketpair()
    far = wire.Connection(far_sock, wire.Codec(), wire.Policy())
    root = far.table.add(Far())
    thread = threading.Thread(target=far.serve_forever, daemon=True)
    thread.start()
    near = wire.Connection(near_sock, wire.Codec(), wire.Policy())
    proxy = wire.proxy_class(wire.Proxy, frozenset())(near, root, {"type": "Far"})
    yield near, proxy
    near_sock.close()
    thread.join(timeout=5)


def test_plain_values_come_back_as_fresh_builtins(pair: tuple[wire.Connection, Any]) -> None:
    _near, far = pair
    value = {
        "text": "é",
        "n": 10**30,
        "t": (1, 2.5, None, True),
        "s": {1, 2},
        "b": b"\x00\xff",
        "d": decimal.Decimal("0.125"),
        "when": datetime.date(2024, 2, 29),
        1: [frozenset({"x"})],
    }
    assert far.echo(value) == value
    assert type(far.echo((1,))) is tuple


def test_an_objects_own_eq_never_answers(pair: tuple[wire.Connection, Any]) -> None:
    _near, far = pair
    evil = far.evil()
    assert type(evil) is dict and evil == {"a": 1}  # copied by value: Python's dict __eq__
    counter = far.counter
    assert isinstance(counter, wire.Proxy)
    assert counter.bump() == 1 and counter.n == 1
    with pytest.raises(TypeError, match="would run their __eq__"):
        _ = counter == 1


def test_calls_nest_in_both_directions(pair: tuple[wire.Connection, Any]) -> None:
    _near, far = pair
    assert far.calls_back(lambda x: x * 2) == 41


def test_remote_errors_are_raised_here(pair: tuple[wire.Connection, Any]) -> None:
    _near, far = pair
    with pytest.raises(wire.RemoteError):
        far.no_such_method()


def test_a_reply_nobody_asked_for_ends_the_link() -> None:
    near_sock, far_sock = socket.socketpair()
    near = wire.Connection(near_sock, wire.Codec(), wire.Policy())
    wire.send_message(far_sock, {"re": 999, "ok": 1})
    with pytest.raises(wire.WireError, match="not made"):
        near.request("getattr", h=1, name="x")
    assert near.closed
