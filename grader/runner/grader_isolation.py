"""The trusted side of an isolated Python grading: the hidden tests never import the submission.

Loaded into the trusted pytest process (uid 10001, undumpable) before any test
module. ``import <a module of the submission>`` there gives a ``ProxyModule``
(grader_imports.py) whose functions, classes and objects are handles into a
candidate process (uid 10002) that PID 1 starts on request. Values cross by value (wire.py), so
every ``assert`` of a hidden test compares objects this process built, with
its own ``__eq__``. Outcomes are decided and reported here, where no
candidate code ever runs.

What crosses, and how the tests' usual tools keep working:
- candidate exceptions are raised here as local classes of the same name and
  bases (``pytest.raises(orders.NotFound)`` works); the candidate's traceback
  is attached as a note;
- dataclass instances are handles whose equality compares their fields by
  value; namedtuples arrive as local namedtuples; candidate classes are local
  classes whose construction, attributes and ``isinstance`` go to the owner;
- an ASGI application (FastAPI, Starlette) is driven over the wire:
  ``TestClient(create_app())`` runs its lifespan and requests in the candidate
  process and gets plain messages back;
- ``monkeypatch`` of a module (``hashlib.scrypt``), ``setenv``, ``chdir`` and
  ``syspath_prepend`` reach the candidate process too;
- a candidate process that dies is replaced for the next test; module-level
  names are looked up again in the new one.

The parts: the refusal rules (grader_trusted_policy.py), the proxies
(grader_trusted_proxies.py) and the codec (grader_trusted_codec.py); this
module holds the link to the candidate process and is the one the runner
imports as ``grader_isolation``.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import _pytest.monkeypatch
import grader_wire as wire
from grader_trusted_codec import TrustedCodec
from grader_trusted_policy import (
    HIDDEN,
    INTERPRETER_TYPES,
    REFUSED_REFERENCE_MODULES,
    RUNNER_MODULES,
    SUSPENDED_METHODS,
    SUSPENDED_TYPES,
    WORKDIR,
    TrustedPolicy,
)
from grader_trusted_proxies import AsgiProxy, RecordProxy, RemoteClassMeta, TrustedProxy

__all__ = [
    "HIDDEN",
    "INTERPRETER_TYPES",
    "REFUSED_REFERENCE_MODULES",
    "RUNNER_MODULES",
    "SUSPENDED_METHODS",
    "SUSPENDED_TYPES",
    "WORKDIR",
    "AsgiProxy",
    "CandidateLink",
    "RecordProxy",
    "RemoteClassMeta",
    "TrustedCodec",
    "TrustedPolicy",
    "TrustedProxy",
    "notset",
]


# pytest's "no value given" marker (renamed NOTSET in pytest 9; the image has pytest 8).
notset: Any = getattr(_pytest.monkeypatch, "notset", getattr(_pytest.monkeypatch, "NOTSET", None))


# --------------------------------------------------------------------------- the candidate process


class CandidateLink:
    """The current candidate process: started through PID 1's control socket, replaced when
    it dies. ``generation`` counts processes, so handles into a dead one are recognised."""

    def __init__(self, control_fd: int, names: frozenset[str]) -> None:
        self.control = socket.socket(fileno=control_fd)
        self.names = names
        self.codec = TrustedCodec(self)
        self.conn: wire.Connection | None = None
        self.generation = 0
        self.pid: int | None = None
        self.patches: dict[tuple[int, str], tuple[Any, Any]] = {}  # -> (reference, target)
        self.base_paths = list(sys.path)

    def connection(self) -> wire.Connection:
        if self.conn is None or self.conn.closed:
            self._spawn()
        assert self.conn is not None
        return self.conn

    def _spawn(self) -> None:
        self.control.sendall(b"spawn\n")
        message, fds, _flags, _addr = socket.recv_fds(self.control, 64, 1)
        if not fds:
            raise wire.PeerGone("the sandbox refused to start a candidate process")
        self.pid = int(message.decode().split(":", 1)[1]) if message.startswith(b"pid:") else None
        self.generation += 1
        self.codec.reset()
        conn = wire.Connection(socket.socket(fileno=fds[0]), self.codec, TrustedPolicy())
        conn.generation = self.generation
        self.conn = conn
        for (_key, name), (reference, target) in list(self.patches.items()):
            self._send_patch(conn, reference, name, target)

    # ----------------------------------------------------------------- monkeypatch forwarding

    def forward_patch(self, target: Any, name: str) -> None:
        """Apply this process's current value of ``target.name`` in the candidate process."""
        reference = self.codec.reference(target)
        if reference is None or not _forwardable(str(reference.get("m"))):
            return
        self.patches[(id(target), name)] = (reference, target)
        if self.conn is not None and not self.conn.closed:
            self._send_patch(self.conn, reference, name, target)

    def _send_patch(self, conn: wire.Connection, reference: Any, name: str, target: Any) -> None:
        missing = not hasattr(target, name)
        value = None if missing else self.codec.encode(getattr(target, name), conn)
        try:
            conn.request("patch", target=reference, name=name, value=value, delete=missing)
        except KeyboardInterrupt:
            raise
        except BaseException:  # a candidate that refuses it (even by SystemExit) fails its tests
            pass


def _forwardable(module: str) -> bool:
    """Patches of the standard library and of installed packages reach the candidate; those
    of pytest itself, of this runner and of the tests' own modules do not."""
    top = module.split(".", 1)[0]
    if top in RUNNER_MODULES or top.startswith("grader_"):
        return False
    path = getattr(sys.modules.get(module), "__file__", None) or ""
    return top in sys.stdlib_module_names or "site-packages" in path
