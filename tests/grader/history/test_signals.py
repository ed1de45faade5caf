"""History signals for reviewers, on real git histories with fixed dates (fixtures.py).

A signal is evidence with its figures, never a finding: the score is the same
with or without it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.history.analysis import HistoryResult, analyse_history
from tests.grader.history.fixtures import (
    STEP,
    T0,
    Built,
    Repo,
    code,
    exemplary,
    one_giant_commit,
    run_git,
    write_starter,
)
from tests.support.git import write_files

DAY = 24 * 3600


def analyse(
    built: Built, *, seed: str | None = None, pushed: dict[str, datetime] | None = None
) -> HistoryResult:
    return analyse_history(
        built.repo, built.tip, starter_dir=built.starter_dir, seed_commit=seed, push_times=pushed
    )


def kinds(result: HistoryResult) -> list[str]:
    return [s["kind"] for s in result.signals]


def only(result: HistoryResult, kind: str) -> dict[str, Any]:
    (found,) = [s for s in result.signals if s["kind"] == kind]
    return found


def started(tmp: Path) -> tuple[Repo, Path, str]:
    repo = Repo(tmp / "work")
    starter_dir = write_starter(tmp)
    base = repo.commit("Add starter code", {p.name: p.read_text() for p in starter_dir.iterdir()})
    return repo, starter_dir, base


def built(repo: Repo, starter_dir: Path, base: str, **named: str) -> Built:
    return Built(repo.bare(), repo.git("rev-parse", "HEAD"), starter_dir, base, named)


def test_an_honest_history_gives_no_signal(tmp_path: Path) -> None:
    result = analyse(exemplary(tmp_path))
    assert result.signals == []


def test_most_of_the_code_in_one_commit_days_later(tmp_path: Path) -> None:
    repo, starter_dir, base = started(tmp_path)
    small = repo.commit("Sketch the counter", {"wordfreq.py": code("count", 6)})
    dump = repo.commit(
        "Implement everything", {"wordfreq.py": code("count", 80)}, when=T0 + 3 * DAY
    )
    history = built(repo, starter_dir, base, small=small, dump=dump)
    pushed = datetime.fromtimestamp(T0 + 3 * DAY + 600, UTC)
    result = analyse(history, seed=base, pushed={small: pushed, dump: pushed})
    assert kinds(result) == ["late-bulk-commit"]
    signal = only(result, "late-bulk-commit")
    assert signal["commits"] == [dump]
    # 80 lines in the final file: the sketch's 6 were rewritten identically, so blame keeps
    # them on the sketch; the rest are the late commit's.
    assert signal["figures"] == {
        "share": 0.925,
        "lines": 74,
        "final_lines": 80,
        "arrived_at": "2023-11-17T22:23:20Z",
        "hours_after_start": 71.4,
    }
    assert signal["message"] == (
        f'Commit {dump[:10]} "Implement everything" wrote 92% of the final code '
        f"(74 of 80 lines) and was pushed 3.0 days after the invitation's seed commit "
        f"{base[:10]}."
    )
    assert result.score == analyse(history).score  # evidence, never a score change


def test_the_same_commit_an_hour_after_the_start_is_no_signal(tmp_path: Path) -> None:
    repo, starter_dir, base = started(tmp_path)
    repo.commit("Sketch the counter", {"wordfreq.py": code("count", 6)})
    repo.commit("Implement everything", {"wordfreq.py": code("count", 80)})
    assert analyse(built(repo, starter_dir, base)).signals == []


def test_a_first_commit_that_holds_the_solution(tmp_path: Path) -> None:
    result = analyse(one_giant_commit(tmp_path))
    signal = only(result, "first-commit-holds-solution")
    assert signal["figures"] == {"share": 1.0, "lines": 400, "final_lines": 400, "commits": 1}
    assert "The candidate's only commit" in signal["message"]
    assert "already wrote 100% of the final code (400 of 400 lines)" in signal["message"]


def test_a_first_commit_followed_by_touch_ups(tmp_path: Path) -> None:
    repo, starter_dir, base = started(tmp_path)
    first = repo.commit("Solve it", {"wordfreq.py": code("count", 60)})
    repo.commit("Rename a helper", {"wordfreq.py": code("count", 60).replace("count_0", "c0")})
    repo.commit("Add a test", {"test_wordfreq.py": code("test_count", 4)})
    result = analyse(built(repo, starter_dir, base))
    signal = only(result, "first-commit-holds-solution")
    assert signal["commits"] == [first]
    assert signal["figures"] == {"share": 0.9219, "lines": 59, "final_lines": 64, "commits": 3}
    assert "The candidate's first commit" in signal["message"]


def dated_commit(
    repo: Repo, message: str, files: dict[str, str], authored: int, committed: int
) -> str:
    """A commit whose author and committer dates differ."""
    write_files(repo.root, files)
    run_git(["add", "-A"], repo.root)
    run_git(
        ["commit", "-q", "-m", message],
        repo.root,
        env={"GIT_AUTHOR_DATE": f"@{authored} +0000", "GIT_COMMITTER_DATE": f"@{committed} +0000"},
    )
    return run_git(["rev-parse", "HEAD"], repo.root)


def test_commit_dates_that_do_not_fit_the_pushes(tmp_path: Path) -> None:
    repo, starter_dir, base = started(tmp_path)
    old = dated_commit(repo, "Bring old work", {"a.py": "x = 1\n"}, T0 - 5 * DAY, T0 + STEP)
    late = dated_commit(repo, "Later", {"b.py": "y = 2\n"}, T0 + 2 * STEP, T0 + 9 * STEP)
    history = built(repo, starter_dir, base)
    pushed = datetime.fromtimestamp(T0 + 3 * STEP, UTC)
    result = analyse(history, seed=base, pushed={old: pushed, late: pushed})
    assert kinds(result) == ["dated-before-start", "dated-after-push"]
    before, after = result.signals
    assert before["commits"] == [old]
    assert before["figures"] == {
        "authored_at": "2023-11-09T22:13:20Z",
        "committed_at": "2023-11-14T22:58:20Z",
        "start_at": "2023-11-14T22:58:20Z",
    }
    assert before["message"] == (
        f'Commit {old[:10]} "Bring old work" is dated 5.0 days before the invitation\'s '
        f"seed commit {base[:10]} (2023-11-14 22:58 UTC): authored 2023-11-09 22:13 UTC, "
        "committed 2023-11-14 22:58 UTC."
    )
    assert after["commits"] == [late]
    assert after["figures"] == {
        "authored_at": "2023-11-14T23:43:20Z",
        "committed_at": "2023-11-15T04:58:20Z",
        "pushed_at": "2023-11-15T00:28:20Z",
    }
    assert after["message"] == (
        f'Commit {late[:10]} "Later" is dated after the push that delivered it: '
        "authored 2023-11-14 23:43 UTC, committed 2023-11-15 04:58 UTC, "
        "pushed 2023-11-15 00:28 UTC."
    )
    # Without a seed, the start is the starter's commit, named as such.
    assert "before the starter's commit" in analyse(history).signals[0]["message"]
