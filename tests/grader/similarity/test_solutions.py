"""Issue 19's acceptance: copies are found, independent correct solutions are not flagged.

For three catalogue challenges, tests/grader/similarity/solutions/<challenge>/
independent holds a second correct solution written without looking at the
catalogue's (different structure, different idioms; it passes the hidden
tests, checked below). The reference and the independent solution must stay
below the default threshold, both ways; a disguised copy of either (renamed,
reordered, reformatted: see disguise.py) must be above it, with fragments
that point at the copied functions.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.similarity import Fingerprints, Index, Match, Settings
from tests.grader.similarity.disguise import disguise

ROOT = Path(__file__).resolve().parents[3]
SOLUTIONS = Path(__file__).resolve().parent / "solutions"
CHALLENGES = ["word-frequency", "todo-api", "log-analytics"]
THRESHOLD = Settings().threshold


def python_tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*.py"))}


def compare(challenge: str, query: dict[str, str], other: dict[str, str]) -> Match:
    starter = Fingerprints.from_folder(ROOT / "challenges" / challenge / "starter")
    index = Index(starter=starter, references={"other": Fingerprints.from_tree(other)})
    (match,) = index.query(Fingerprints.from_tree(query)).references
    return match


def trees(challenge: str) -> tuple[dict[str, str], dict[str, str]]:
    reference = python_tree(ROOT / "challenges" / challenge / "solution")
    independent = python_tree(SOLUTIONS / challenge / "independent")
    return reference, independent


@pytest.mark.parametrize("challenge", CHALLENGES)
def test_independent_solutions_are_not_flagged(challenge: str) -> None:
    reference, independent = trees(challenge)
    for query, other in ((independent, reference), (reference, independent)):
        match = compare(challenge, query, other)
        assert not match.flagged
        assert match.similarity < THRESHOLD / 2, match.to_json()


@pytest.mark.parametrize("challenge", CHALLENGES)
@pytest.mark.parametrize("original", ["reference", "independent"])
def test_a_disguised_copy_of_either_is_flagged(challenge: str, original: str) -> None:
    reference, independent = trees(challenge)
    source = reference if original == "reference" else independent
    copy = {f"copied/{path}": disguise(text) for path, text in source.items() if text.strip()}
    assert all(copy[f"copied/{p}"] != source[p] for p in source if source[p].strip())
    match = compare(challenge, copy, source)
    assert match.flagged and match.similarity >= THRESHOLD + 0.1, match.to_json()
    assert match.share_query >= THRESHOLD and match.share_other >= THRESHOLD
    # Every function of some length in the original is (part of) a matched fragment, but
    # in a file the starter gave as it is (left out of every comparison).
    given = python_tree(ROOT / "challenges" / challenge / "starter")
    for path, text in source.items():
        if given.get(path) == text:
            continue
        lines = text.count("\n") + 1
        spans = [f.other for f in match.fragments if f.other.path == path]
        assert all(1 <= s.start_line <= s.end_line <= lines for s in spans)
        for start, end in function_lines(text):
            overlapping = [s for s in spans if s.start_line <= end and s.end_line >= start]
            assert end - start < 6 or overlapping, f"{path}:{start}-{end} not matched"
    assert all(f.query.path.startswith("copied/") for f in match.fragments)


def function_lines(text: str) -> list[tuple[int, int]]:
    return [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


@pytest.mark.parametrize("challenge", CHALLENGES)
def test_the_independent_solutions_pass_the_hidden_tests(challenge: str, tmp_path: Path) -> None:
    shutil.copytree(SOLUTIONS / challenge / "independent", tmp_path, dirs_exist_ok=True)
    shutil.copytree(ROOT / "challenges" / challenge / "hidden", tmp_path, dirs_exist_ok=True)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
