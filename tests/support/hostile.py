"""A candidate's repository built to attack a code view: hostile names, contents and sizes.

The starter commit holds one file; the candidate's commit adds a file named
``<script>``, HTML in a name and in a content, a 5 MB file, a binary, a symlink
to /etc/passwd, control characters and a bidirectional override in a name and a
content, and a path that climbs out (``../escape.txt``, only possible through
plumbing: git's own commands refuse it).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.git import CANDIDATE, git, git_bytes, write_files

SCRIPT_NAME = "<script>alert(1)</script>.py"
HTML_NAME = '<img src=x onerror="alert(2)">.md'
SCRIPT_CONTENT = "print(\"<script>alert('content')</script>\")\n"
BIG_NAME = "big.txt"
BIG_SIZE = 5 * 1024 * 1024
BINARY_NAME = "logo.bin"
LINK_NAME = "passwd"
CONTROL_NAME = "ctrl\x1b[31mred.txt"
CONTROL_CONTENT = "clear\x1b[2J and \u202eevil\u202c and a bell\x07\n"
ESCAPE_NAME = "../escape.txt"
STARTER = {"wordfreq.py": "def count_words(text):\n    raise NotImplementedError\n"}


@dataclass(frozen=True)
class HostileRepo:
    bare: Path
    starter: str  # the starter commit
    graded: str  # the candidate's last commit


def hostile_repo(where: Path) -> HostileRepo:
    """A bare repository under ``where``: the starter, then the candidate's hostile commit."""
    work = where / "work"
    work.mkdir(parents=True)
    git(work, "init", "--quiet", "--initial-branch=main")
    write_files(work, STARTER)
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "--message", "Start from the starter")
    starter = git(work, "rev-parse", "HEAD")
    write_files(
        work,
        {
            "wordfreq.py": "from collections import Counter\n\n\ndef count_words(text):\n"
            "    return Counter(text.lower().split())\n",
            SCRIPT_NAME: SCRIPT_CONTENT,
            HTML_NAME: "# <b>bold</b> & <i>italic</i>\n",
            BIG_NAME: "x" * (BIG_SIZE - 1) + "\n",
            BINARY_NAME: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            CONTROL_NAME: CONTROL_CONTENT,
        },
    )
    os.symlink("/etc/passwd", work / LINK_NAME)
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "--message", "Count words <b>fast</b>")
    _add_escaping_path(work)
    graded = git(work, "rev-parse", "HEAD")
    bare = where / "bare.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(bare)], check=True)
    return HostileRepo(bare, starter, graded)


def _add_escaping_path(work: Path) -> None:
    """One more commit whose tree has a ``..`` folder: what no `git add` would make."""
    blob = git_bytes(work, ["hash-object", "-w", "--stdin"], CANDIDATE, b"outside?\n").decode()
    inner = git_bytes(
        work, ["mktree"], CANDIDATE, f"100644 blob {blob.strip()}\tescape.txt\n".encode()
    )
    listing = git_bytes(work, ["ls-tree", "HEAD"], CANDIDATE).decode()
    tree = (
        git_bytes(
            work,
            ["mktree"],
            CANDIDATE,
            f"{listing}040000 tree {inner.decode().strip()}\t..\n".encode(),
        )
        .decode()
        .strip()
    )
    parent = git(work, "rev-parse", "HEAD")
    commit = git(work, "commit-tree", tree, "-p", parent, "-m", "Add a file outside")
    git(work, "update-ref", "refs/heads/main", commit)
