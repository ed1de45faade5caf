"""``grader demo``: three sample submissions, built as real git repositories and graded.

The submissions are made from the word-frequency challenge's starter and
solution, each with a few commits: a complete one, a partial one (correct but
too slow, and one edge case missed) and a failing one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from grader.challenge import Challenge

PARTIAL = '''"""Word frequency: see statement.md."""

from collections import Counter


def count_words(text: str) -> dict[str, int]:
    return dict(Counter(text.lower().split()))


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    if n <= 0:
        raise ValueError("n must be positive")
    ranked = sorted(count_words(text).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]
'''

FAILING = '''"""Word frequency: see statement.md."""


def count_words(text: str) -> dict[str, int]:
    return {}


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    return []
'''

# (name, [(commit message, {path: content or None for "copy from solution"})])
Plan = list[tuple[str, dict[str, str | None]]]


def _plans(solution: Path) -> dict[str, Plan]:
    sol = (solution / "wordfreq.py").read_text()
    counting = sol.split("def top_words")[0]
    return {
        "complete": [
            (
                "Count words case-insensitively\n\n"
                "Words are runs of letters, digits and apostrophes.",
                {
                    "wordfreq.py": counting
                    + "def top_words(text: str, n: int) -> list[tuple[str, int]]:"
                    "\n    raise NotImplementedError\n"
                },
            ),
            ("Rank the most frequent words with a heap", {"wordfreq.py": sol}),
            (
                "Add tests for counting and ranking",
                {
                    "tests/test_wordfreq.py": "from wordfreq import top_words\n\n\n"
                    "def test_ranks_by_count():\n"
                    "    assert top_words('b a b', 1) == [('b', 2)]\n"
                },
            ),
        ],
        "partial": [
            ("Count words split on white space", {"wordfreq.py": PARTIAL}),
            ("wip", {"notes.txt": "try a faster sort later\n"}),
        ],
        "failing": [
            ("stuff", {"wordfreq.py": FAILING}),
        ],
    }


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Demo Candidate",
        "GIT_AUTHOR_EMAIL": "candidate@example.com",
        "GIT_COMMITTER_NAME": "Demo Candidate",
        "GIT_COMMITTER_EMAIL": "candidate@example.com",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def build_submissions(challenge: Challenge, dest: Path) -> dict[str, Path]:
    """Create the sample repositories under ``dest`` (recreated each time)."""
    repos: dict[str, Path] = {}
    for name, plan in _plans(challenge.root / "solution").items():
        repo = dest / name
        shutil.rmtree(repo, ignore_errors=True)
        shutil.copytree(challenge.root / "starter", repo)
        _git(repo, "init", "--quiet", "--initial-branch=main")
        _git(repo, "add", "--all")
        _git(repo, "commit", "--quiet", "--message", "Start from the challenge's starter")
        for message, files in plan:
            for relative, content in files.items():
                target = repo / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content or "")
            _git(repo, "add", "--all")
            _git(repo, "commit", "--quiet", "--message", message)
        repos[name] = repo
    return repos


def summary_table(rows: Sequence[tuple[str, str, float, dict[str, float]]]) -> str:
    skills = sorted({skill for *_rest, scores in rows for skill in scores})
    header = f"{'submission':<12} {'status':<9} {'overall':>7}  " + "  ".join(
        f"{s:>15}" for s in skills
    )
    lines = [header, "-" * len(header)]
    for name, status, total, scores in rows:
        cells = "  ".join(f"{scores.get(s, float('nan')):>15.1f}" for s in skills)
        lines.append(f"{name:<12} {status:<9} {total:>7.1f}  {cells}")
    return "\n".join(lines)
