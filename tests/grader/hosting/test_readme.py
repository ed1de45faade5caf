"""The README of a seeded repository: what it tells the candidate, and that it points right.

Every challenge of the catalogue and every ``grader challenge new`` template is
seeded for real (registered, invited); every file its README names, and every
mention of the statement in its files, must be a file of the seeded repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT
from grader.hosting import invitations
from grader.hosting.repositories import repository_path
from grader.scaffold import LANGUAGES, scaffold
from tests.api.conftest import register_without_docker, settings_for

CATALOGUE = sorted(p for p in (PROJECT_ROOT / "challenges").iterdir() if p.is_dir())
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\s]+)`")
MARKDOWN_FILE = re.compile(r"(?<![\w/.-])([\w.-]+\.md)\b")


def seeded(tmp_path: Path, folder: Path) -> tuple[str, set[str], dict[str, str]]:
    """The seeded repository's README, its paths (files and folders), and its text files."""
    settings = settings_for(tmp_path / "data")
    challenge = register_without_docker(settings, folder)
    invited = invitations.invite(settings, challenge, "ada@example.com", actor="test")
    bare = repository_path(settings, invited["id"])

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", str(bare), *args], capture_output=True, text=True, check=True
        ).stdout

    files = git("ls-tree", "-r", "--name-only", "main").splitlines()
    paths = (
        set(files)
        | {str(Path(f).parent) for f in files}
        | {"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)}
    )
    texts = {f: git("show", f"main:{f}") for f in files}
    return texts["README.md"], paths, texts


def prose(markdown: str) -> str:
    """The README without its code blocks (commands there name files the candidate makes)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    return "\n".join(line for line in text.splitlines() if not line.startswith("    "))


def named_files(markdown: str) -> set[str]:
    text = prose(markdown)
    names = {m for m in LINK.findall(text) if "://" not in m}
    names |= {m.rstrip("/") for m in CODE_SPAN.findall(text) if "/" in m and "*" not in m}
    names |= set(MARKDOWN_FILE.findall(text))
    return names


def check_pointers(readme: str, paths: set[str], texts: dict[str, str]) -> None:
    missing = sorted(name for name in named_files(readme) if name not in paths)
    assert not missing, f"README.md names what the repository does not have: {missing}"
    wrong = sorted(f for f, text in texts.items() if "statement.md" in text)
    assert not wrong, f"these name statement.md, which is STATEMENT.md here: {wrong}"
    assert "[STATEMENT.md](STATEMENT.md)" in readme


@pytest.mark.parametrize("folder", CATALOGUE, ids=[p.name for p in CATALOGUE])
def test_every_file_a_seeded_readme_names_exists(tmp_path: Path, folder: Path) -> None:
    check_pointers(*seeded(tmp_path, folder))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_challenges_seeded_readme_points_right(tmp_path: Path, language: str) -> None:
    folder = scaffold(tmp_path / "slug-maker", language)
    check_pointers(*seeded(tmp_path, folder))


def test_the_readme_says_how_the_candidate_is_graded(tmp_path: Path) -> None:
    readme, _paths, _texts = seeded(tmp_path, PROJECT_ROOT / "challenges" / "word-frequency")
    section = readme[readme.index("## How you are graded") :]
    assert section == GRADING


GRADING = """## How you are graded

- **Submitting:** commit, then `git push` to `main`. Each push to `main` is graded; a push to \
another branch is kept but not graded.
- **Deadline:** none is set for this invitation.
- **Language:** Python 3.11 (write code that runs on 3.11; the sandbox may run 3.12).
- **Limits:** the whole hidden test suite gets 30 s, 256 MB of memory and 1 CPU; it has no \
network access.
- **After a push**, `git push` prints your overall score and your score per skill once the \
grading is done (or a link to the page where it will be).

The score is a weighted mean of these skills (each 0 to 100):

| Skill | Weight | Share | Judged from |
|---|---:|---:|---|
| programming | 2 | 50% | hidden tests |
| performance | 1 | 25% | hidden tests |
| version control | 1 | 25% | your git history |

The grader ignores these files of your repository:

- a top-level `hidden` folder: the challenge's own tests take its place;
- `conftest.py`, `sitecustomize.py`, `usercustomize.py`, `*.pth` anywhere: they would configure \
the test runner;
- `node_modules` folders: dependencies come from the challenge.
"""
