"""Run a command as a worker host of the multi-host soak: in a user namespace of its own.

    python -m scripts.soak.userns COMMAND [ARG...]

The namespace maps every user and group to itself except ``nobody`` (65534 and
above), who owns the server's data folder: root inside keeps what root may do
to its own files (the interpreter, its Docker engine's socket, the sandbox's
user 10001), and has no capability over an unmapped owner's files, so it can
neither read, list, chmod nor chown the server's folder, nor become ``nobody``.
``unshare --map-users`` would do the same with newuidmap, which this machine
lacks; this does it with unshare(2) and a helper writing the maps.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

CLONE_NEWUSER = 0x10000000
UNMAPPED_FROM = 65534  # nobody, nogroup: the server's data folder's owner


def enter() -> None:
    """Move this process into a new user namespace mapping ids below UNMAPPED_FROM to
    themselves (the maps are written from outside it, by a forked helper, as they must be)."""
    me = os.getpid()
    ready, go = os.pipe()
    helper = os.fork()
    if helper == 0:  # still in the original namespace, with the right to write the maps
        os.close(go)
        os.read(ready, 1)
        code = 0
        try:
            for name in ("uid_map", "gid_map"):
                Path(f"/proc/{me}/{name}").write_text(f"0 0 {UNMAPPED_FROM}\n")
        except OSError as exc:
            print(f"userns: cannot write the maps: {exc}", file=sys.stderr)
            code = 1
        os._exit(code)
    os.close(ready)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER) failed")
    os.write(go, b"x")
    os.close(go)
    _pid, status = os.waitpid(helper, 0)
    if status != 0:
        raise SystemExit("userns: the user maps were not written")


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m scripts.soak.userns COMMAND [ARG...]")
    enter()
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
