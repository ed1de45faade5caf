"""``grader challenge new``: a small challenge that validates as it is, to edit from."""

from __future__ import annotations

import re
from pathlib import Path

from grader.challenge import ID_PATTERN
from grader.errors import BadInput

FILES = {
    "challenge.toml": """id = "{id}"
title = "{title}"
language = "python"

[limits]
timeout_s = 30
memory_mb = 256
cpus = 1.0

[version_control]
weight = 1

[[skills]]
name = "programming"
weight = 2
tests = ["hidden/test_behaviour.py::*"]

[[skills]]
name = "testing"
weight = 1
tests = ["hidden/test_edge_cases.py::*"]
""",
    "statement.md": """# {title}

Implement `slugify(text: str) -> str` in `slug.py` at the root of your repository:
lower-case ASCII letters and digits, words joined by single hyphens, no leading
or trailing hyphen. `slugify("Hello, World!")` is `"hello-world"`.
""",
    "starter/slug.py": """def slugify(text: str) -> str:
    raise NotImplementedError
""",
    "starter/.gitignore": "__pycache__/\n.venv/\n",
    "solution/slug.py": """import re


def slugify(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))
""",
    "solution/.gitignore": "__pycache__/\n.venv/\n",
    "hidden/test_behaviour.py": """from slug import slugify


def test_words_are_joined_with_hyphens():
    assert slugify("Hello, World!") == "hello-world"


def test_digits_are_kept():
    assert slugify("Route 66") == "route-66"
""",
    "hidden/test_edge_cases.py": """from slug import slugify


def test_empty_text():
    assert slugify("") == ""


def test_no_leading_or_trailing_hyphen():
    assert slugify("  --Spaced out--  ") == "spaced-out"
""",
}


def scaffold(path: Path) -> Path:
    path = path.expanduser().resolve()
    if path.exists() and any(path.iterdir()):
        raise BadInput(f"{path} exists and is not empty")
    challenge_id = re.sub(r"[^a-z0-9-]+", "-", path.name.lower()).strip("-")
    if not ID_PATTERN.fullmatch(challenge_id):
        raise BadInput(f"cannot make a challenge id from the folder name {path.name!r}")
    title = challenge_id.replace("-", " ").capitalize()
    for relative, text in FILES.items():
        target = path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            text.format(id=challenge_id, title=title)
            if relative.endswith((".toml", ".md"))
            else text
        )
    return path
