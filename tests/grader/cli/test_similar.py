"""``grader similar`` as a reviewer runs it, against a server's database (SQLite).

Three candidates of word-frequency, graded and compared as the worker does:
fay wrote a solution, gus handed in a disguised copy of it, ivy the
catalogue's reference solution (independent of fay's). The command's real
output is checked against the API's figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.closest import similar as closest
from grader.clusters import overview
from grader.config import PROJECT_ROOT, Settings, get_settings
from grader.similarities import Indexes
from grader.store import repo
from grader.store.db import migrate, session_scope
from tests.conftest import WORD_FREQUENCY
from tests.grader.similarity.disguise import disguise
from tests.support.submissions import compare, store_graded, store_word_frequency

CHALLENGE = "word-frequency"
SOLUTIONS = PROJECT_ROOT / "tests/grader/similarity/solutions/word-frequency"
INDEPENDENT = (SOLUTIONS / "independent" / "wordfreq.py").read_text()
REFERENCE = (WORD_FREQUENCY / "solution" / "wordfreq.py").read_text()


def grader(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADER_DATA_DIR": str(data_dir), "GRADER_DATABASE_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", "similar", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def compared(settings: Settings, indexes: Indexes, email: str, code: str) -> str:
    with session_scope(settings.effective_database_url) as session:
        submission_id = store_graded(session, email, f"/repos/{email}.git")
        compare(session, indexes, submission_id, code)
        return submission_id


@pytest.fixture
def server(tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    settings = get_settings().model_copy(update={"data_dir": tmp_path, "database_url": ""})
    migrate(settings.effective_database_url)
    with session_scope(settings.effective_database_url) as session:
        store_word_frequency(session)
    indexes = Indexes()
    ids = {
        "fay": compared(settings, indexes, "fay@example.com", INDEPENDENT),
        "ivy": compared(settings, indexes, "ivy@example.com", REFERENCE),
        "gus": compared(settings, indexes, "gus@example.com", disguise(INDEPENDENT)),
    }
    return settings, ids


def pct(share: float) -> str:
    return f"{round(share, 4) * 100:.2f} %"


def test_a_submissions_closest_others_with_shares_and_line_ranges(
    server: tuple[Settings, dict[str, str]],
) -> None:
    settings, ids = server
    done = grader(settings.data_dir, ids["gus"])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{ids['gus']} (gus@example.com): word-frequency, flagged from 50.00 %"
    with session_scope(settings.effective_database_url) as session:
        row = repo.get_submission(session, ids["gus"])
        assert row is not None
        found = closest(session, row, str)
    top = found.submissions[0]
    assert top.other == ids["fay"]
    assert lines[1] == (
        f"{pct(top.similarity):>8}  flagged  {ids['fay']} (fay@example.com): "
        f"{pct(top.share_this)} of this found in it, {pct(top.share_other)} of it in this, "
        f"{top.shared} fingerprints"
    )
    first = top.fragments[0]
    assert lines[2] == (
        f"            wordfreq.py:{first.this.start_line}-{first.this.end_line}"
        f"  ~  wordfreq.py:{first.other.start_line}-{first.other.end_line}"
    )
    assert any("the challenge's solution" in line for line in lines)
    assert ids["ivy"] not in done.stdout  # the independent solution shares too little


def test_a_challenges_pairs_and_clusters(server: tuple[Settings, dict[str, str]]) -> None:
    settings, ids = server
    done = grader(settings.data_dir, "--challenge", CHALLENGE)
    assert done.returncode == 0, done.stderr
    with session_scope(settings.effective_database_url) as session:
        (pair,) = overview(session, CHALLENGE).pairs
    fay, gus = f"{ids['fay']} (fay@example.com)", f"{ids['gus']} (gus@example.com)"
    assert done.stdout.splitlines() == [
        "word-frequency: 1 pair(s) at or above 50.00 %, 1 cluster",
        "pairs (similarity; share of the first in the second, the reverse):",
        f"{pct(pair.similarity):>8}  {gus} ~ {fay}  ({pct(pair.share_later)}, "
        f"{pct(pair.share_earlier)}; {pair.shared} fingerprints)",
        "clusters (closest pair first):",
        f"  1. 2 submissions, closest pair {pct(pair.similarity)}:",
        f"       {gus}",
        f"       {fay}",
    ]
    above = grader(settings.data_dir, "--challenge", CHALLENGE, "--above", "0.99")
    assert above.stdout.splitlines() == [
        "word-frequency: 0 pair(s) at or above 99.00 %, 0 clusters"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "grader: give either a SUBMISSION_ID or --challenge ID"),
        (("x", "--challenge", CHALLENGE), "grader: give either a SUBMISSION_ID or --challenge ID"),
        (("nope",), "grader: no submission 'nope'"),
        (("--challenge", "nope"), "grader: unknown challenge 'nope'"),
        (("--challenge", CHALLENGE, "--above", "1.5"), "grader: --above is a share in (0, 1]"),
    ],
)
def test_what_cannot_be_answered_is_bad_input(
    server: tuple[Settings, dict[str, str]], args: tuple[str, ...], message: str
) -> None:
    done = grader(server[0].data_dir, *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(message), done.stderr
