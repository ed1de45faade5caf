"""What a grading reads beside the suite (grader/evidence.py), from a real clone."""

from __future__ import annotations

from pathlib import Path

from grader import evidence, fetch
from grader.git import tree_of
from grader.workspace import Workspace, build_workspace
from tests.conftest import WORD_FREQUENCY, make_repo

SOLVED = {"wordfreq.py": (WORD_FREQUENCY / "solution" / "wordfreq.py").read_text()}


def cloned(tmp_path: Path, files: dict[str, str]) -> tuple[fetch.Fetched, Workspace]:
    repo = make_repo(tmp_path / "repo", [("Solve", files)], base=WORD_FREQUENCY / "starter")
    fetched = fetch.fetch(
        str(repo), None, tmp_path / "work", fetch.FetchPolicy(allow_local=True), 60, 1 << 30
    )
    entries = fetch.submission_tree(fetched, 1 << 30)
    return fetched, build_workspace(fetched.repo_dir, entries, "python")


def test_gather_reads_the_tree_the_signals_and_the_fingerprints(tmp_path: Path) -> None:
    files = {**SOLVED, "sneaky.py": "import _pytest\n"}
    fetched, workspace = cloned(tmp_path, files)
    found = evidence.gather(fetched, workspace, WORD_FREQUENCY / "hidden")
    assert found.tree == tree_of(fetched.repo_dir, fetched.commit)
    assert any(signal.file.endswith("sneaky.py") for signal in found.signals)
    assert found.fingerprints is not None and "wordfreq.py" in found.fingerprints.paths()
    assert found.fingerprint_s > 0


def test_gather_without_fingerprints_computes_none(tmp_path: Path) -> None:
    fetched, workspace = cloned(tmp_path, SOLVED)
    found = evidence.gather(fetched, workspace, WORD_FREQUENCY / "hidden", fingerprint=False)
    assert found.fingerprints is None and found.fingerprint_s == 0.0
    assert found.tree == tree_of(fetched.repo_dir, fetched.commit)


def test_fingerprinting_that_fails_gives_none_not_an_error() -> None:
    assert evidence.fingerprint_workspace(Workspace(tar=b"not a tar archive", files=1)) is None
