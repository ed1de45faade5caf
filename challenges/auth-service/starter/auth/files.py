"""Serving the files users uploaded, from one base directory."""

from __future__ import annotations

import os
from pathlib import Path


class UnsafePath(ValueError):
    """The requested name points outside the base directory."""


def resolve_user_file(base_dir: str | os.PathLike[str], name: str) -> Path:
    """The path of `name` under base_dir."""
    return Path(os.path.join(base_dir, name))


def read_user_file(base_dir: str | os.PathLike[str], name: str) -> bytes:
    return resolve_user_file(base_dir, name).read_bytes()
