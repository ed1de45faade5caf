"""Red-team attacks on the grader's bounds, each graded for real in a Docker sandbox:
resource exhaustion, oversized repositories and submodules, and (slow) a history made to
exhaust the host that reads it.

Each attack is built and checked as test_attacks.py says.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.errors import RepositoryError
from grader.fetch import MAX_FILES
from tests.attacks.helpers import (
    Grade,
    GraderEnv,
    assert_host_clean,
    assert_in_time,
    assert_nothing_passed,
    check_graded_nothing_passed,
    describe,
    git,
)

pytestmark = pytest.mark.docker


# ---------------------------------------------------------------------------
# Resource exhaustion: the suite still reports, in time, and nothing outlives it.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ["fork-bomb", "memory-bomb", "disk-fill"])
def test_exhaustion_is_reported_in_time(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    outcome = grade_attack(attack)
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found, describe(outcome)
    assert set(outcome.outcomes().values()) <= {"error", "failed", "timeout"}


def test_output_flood_is_bounded(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("output-flood")
    check_graded_nothing_passed(grader_env, outcome)
    output = outcome.report.output
    assert len(output.get("head", "")) + len(output.get("tail", "")) <= 512 << 10
    assert output.get("dropped_bytes", 0) > 100 << 20, output.get("dropped_bytes")


@pytest.mark.parametrize("attack", ["import-loop", "sleep-forever", "flood-forever"])
def test_endless_code_times_out(grader_env: GraderEnv, grade_attack: Grade, attack: str) -> None:
    outcome = grade_attack(attack)
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.timed_out, describe(outcome)
    assert set(outcome.outcomes().values()) == {"timeout"}, describe(outcome)
    assert outcome.seconds >= grader_env.timeout_s


def test_frame_overflow_forges_nothing(grader_env: GraderEnv, grade_attack: Grade) -> None:
    """A frame inflated past the host's 32 MB loses its marker: every test an error, 0."""
    outcome = grade_attack("frame-overflow")
    check_graded_nothing_passed(grader_env, outcome)


# ---------------------------------------------------------------------------
# Repository shapes: too big, too many files, submodules.
# ---------------------------------------------------------------------------


def _huge_file(repo: Path) -> None:
    with (repo / "data.bin").open("wb") as handle:  # compresses to almost nothing in git
        handle.truncate(65 << 20)
    git(repo, "add", "data.bin")


def _many_files(repo: Path) -> None:
    empty = git(repo, "hash-object", "-w", "--stdin", input_bytes=b"").decode().strip()
    index = "".join(f"100644 {empty}\tmany/f{i:05d}.txt\n" for i in range(MAX_FILES + 1))
    git(repo, "update-index", "--add", "--index-info", input_bytes=index.encode())


@pytest.mark.parametrize(
    ("setup", "message"),
    [(_huge_file, "at most 64 MB"), (_many_files, f"at most {MAX_FILES} are graded")],
)
def test_oversized_trees_are_refused(
    grader_env: GraderEnv,
    grade_attack: Grade,
    setup: Callable[[Path], None],
    message: str,
) -> None:
    started = time.monotonic()
    with pytest.raises(RepositoryError, match=message):
        grade_attack(None, setup=setup)
    assert time.monotonic() - started < grader_env.timeout_s + 20
    assert_host_clean(grader_env)


def _submodule(repo: Path) -> None:
    (repo / ".gitmodules").write_text(
        '[submodule "vendor"]\n\tpath = vendor\n\turl = ext::sh -c touch% /tmp/pwned-by-submodule\n'
    )
    fake_commit = "1" * 40
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{fake_commit},vendor")


def test_submodules_are_dropped_never_fetched(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack(None, setup=_submodule)
    check_graded_nothing_passed(grader_env, outcome)
    assert not Path("/tmp/pwned-by-submodule").exists()


# ---------------------------------------------------------------------------
# The git history is read on the host: bounded before it is read (once it was not).
# Slow (a minute or two each): run with GRADER_ATTACKS_SLOW=1.
# ---------------------------------------------------------------------------

slow = pytest.mark.skipif(
    os.environ.get("GRADER_ATTACKS_SLOW") != "1", reason="slow: set GRADER_ATTACKS_SLOW=1"
)
HOST_MEMORY_BOUND = 1 << 30  # bytes of extra peak memory the grader may use on the host


def _peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _commit_flood(count: int) -> Callable[[Path], None]:
    """``count`` tiny commits through git fast-import (about 5 s per 100 000)."""

    def setup(repo: Path) -> None:
        starter = (repo / "wordfreq.py").read_bytes()
        parts = [b"blob\nmark :1\ndata %d\n%s\n" % (len(starter), starter)]
        for i in range(count):
            message = b"Change %d\n" % i
            content = b"x = %d\n" % i
            parts.append(
                b"commit refs/heads/main\nmark :%d\n"
                b"committer A <a@example.com> %d +0000\ndata %d\n%s"
                % (i + 2, 1_700_000_000 + i, len(message), message)
            )
            parts.append(b"from :%d\n" % (i + 1) if i else b"M 100644 :1 wordfreq.py\n")
            parts.append(b"M 100644 inline f%d.txt\n" % (i % 50))
            parts.append(b"data %d\n%s\n" % (len(content), content))
        git(repo, "fast-import", "--quiet", input_bytes=b"".join(parts))
        # Commit the flood's last tree, so that no commit is exactly the starter's files:
        # then the whole history is the candidate's work, and all of it is analysed.
        git(repo, "read-tree", "main")

    return setup


def _message_bomb(megabytes: int) -> Callable[[Path], None]:
    """One commit whose message is ``megabytes`` MB: it compresses to about 1 MB."""

    def setup(repo: Path) -> None:
        line = b"word " * 20 + b"\n"
        message = repo.parent / "message.txt"
        with message.open("wb") as handle:
            handle.write(b"Fix things\n\n")
            for _ in range(megabytes):
                handle.write(line * ((1 << 20) // len(line)))
        git(repo, "commit", "-q", "-F", str(message))
        message.unlink()

    return setup


@slow
@pytest.mark.parametrize(
    "setup", [_commit_flood(300_000), _message_bomb(400)], ids=["commit-flood", "message-bomb"]
)
def test_history_is_bounded_on_the_host(
    grader_env: GraderEnv, grade_attack: Grade, setup: Callable[[Path], None]
) -> None:
    """300 000 commits (a 90 MB repository) or one 400 MB commit message (a 1.3 MB one).

    Once beat the grader: the history stage ran `git log` over the whole history
    into memory and parses it in Python, with no cap on commits or message
    size; the repository cap (200 MB) counts compressed bytes. Measured: the
    flood's grading takes 92-154 s (about 630 MB); the message adds 1.8 GB to
    the grader's peak memory.
    """
    before = _peak_rss()
    outcome = grade_attack(None, setup=setup)
    grown = _peak_rss() - before
    assert outcome.report.status == "graded", describe(outcome)
    assert_nothing_passed(outcome)
    assert_in_time(grader_env, outcome)
    assert grown < HOST_MEMORY_BOUND, f"the grader's peak memory grew by {grown >> 20} MB"
    assert_host_clean(grader_env)
