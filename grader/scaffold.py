"""``grader challenge new``: a small challenge that validates as it is, to edit from.

One template per language, kept as files under scaffold_templates/<language>/
(the same layout as a challenge). ``{{id}}`` and ``{{title}}`` in them become
the challenge's id (the folder's name) and a title made from it. Each template
maps its skills to the right kind of test: ``testing`` to the candidate's own
tests, run against a reference and faulty versions, never to the author's edge
cases (Java's leaves ``testing`` out and says why).
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.challenge import ID_PATTERN
from grader.errors import BadInput

TEMPLATES = Path(__file__).resolve().parent / "scaffold_templates"
LANGUAGES = tuple(sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir()))


def title_of(challenge_id: str) -> str:
    """``order-pricing`` -> ``Order pricing``."""
    return challenge_id.replace("-", " ").capitalize()


def scaffold(path: Path, language: str = "python") -> Path:
    """Create the challenge folder ``path`` from the language's template; returns it."""
    if language not in LANGUAGES:
        raise BadInput(f"no template for language {language!r} (one of {', '.join(LANGUAGES)})")
    path = path.expanduser().resolve()
    if path.exists() and any(path.iterdir()):
        raise BadInput(f"{path} exists and is not empty")
    challenge_id = re.sub(r"[^a-z0-9-]+", "-", path.name.lower()).strip("-")
    if not ID_PATTERN.fullmatch(challenge_id):
        raise BadInput(f"cannot make a challenge id from the folder name {path.name!r}")
    template = TEMPLATES / language
    for source in sorted(template.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        target = path / source.relative_to(template)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        target.write_text(
            text.replace("{{id}}", challenge_id).replace("{{title}}", title_of(challenge_id)),
            encoding="utf-8",
        )
    return path
