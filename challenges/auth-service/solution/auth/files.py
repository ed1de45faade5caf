"""Serving the files users uploaded, from one base directory."""

from __future__ import annotations

import os
from pathlib import Path


class UnsafePath(ValueError):
    """The requested name points outside the base directory."""


def resolve_user_file(base_dir: str | os.PathLike[str], name: str) -> Path:
    """The real path of `name` under base_dir; UnsafePath if it would leave base_dir.

    Symbolic links are followed before the check, so a link inside base_dir
    that points outside it is refused too.
    """
    if not name or "\x00" in name:
        raise UnsafePath(f"invalid name {name!r}")
    base = Path(base_dir).resolve()
    target = (base / name).resolve()
    if not target.is_relative_to(base) or target == base:
        raise UnsafePath(f"{name!r} is outside the served directory")
    return target


def read_user_file(base_dir: str | os.PathLike[str], name: str) -> bytes:
    return resolve_user_file(base_dir, name).read_bytes()
