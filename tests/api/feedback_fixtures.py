"""A word-frequency challenge under a chosen feedback policy, a report full of secrets, and
a stand-in worker that stores it.

``policy_challenge`` copies word-frequency with a ``[feedback]`` table of one's
choosing (registered without Docker). ``secret_report`` is a report as a real
grading shapes it (the challenge's real test IDs, failure messages that quote
neighbouring tests, the test output, notes): ``HIDDEN_SECRETS`` lists every
string of it a candidate must never see unless the policy shows that test.
``store_report`` finishes a submission with it as a worker does (claim, finish,
announce), so a waiting reader wakes up.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from grader import announce
from grader.config import Settings
from grader.store import repo
from grader.store.db import session_scope
from tests.api.conftest import WORD_FREQUENCY, register_without_docker

BASIC = "hidden/test_basic.py::"
PERF = "hidden/test_perf.py::"
VISIBLE_GLOB = f"{BASIC}test_top_words_*"
TESTS = {  # id -> (skill, outcome, message)
    f"{BASIC}test_empty_text_has_no_words": ("programming", "passed", ""),
    f"{BASIC}test_punctuation_separates_words": (
        "programming",
        "failed",
        "AssertionError: assert {'end.start,middle;end': 1} == {'end': 2, 'start': 1}",
    ),
    f"{BASIC}test_top_words_orders_by_count_then_alphabetically": (
        "programming",
        "failed",
        "AssertionError: top_words('b a c b a b', 3) returned [('a', 2)]; see also "
        "test_punctuation_separates_words in hidden/test_basic.py",
    ),
    f"{BASIC}test_top_words_with_fewer_distinct_words_than_n": ("programming", "passed", ""),
    f"{PERF}test_large_text_is_counted_in_linear_time": (
        "performance",
        "timeout",
        "Timeout: hidden/test_perf.py::test_large_text_is_counted_in_linear_time took 9.0 s "
        "(budget 2 s) -- SECRET-PERF-BUDGET",
    ),
}
TRIPWIRE = f"{PERF}test_rejects_unicode_4"
OUTPUT_HEAD = f"FAILED {BASIC}test_punctuation_separates_words - SECRET-OUTPUT-LINE"
HIDDEN_SECRETS = (
    "test_punctuation_separates_words",
    "test_large_text_is_counted_in_linear_time",
    "end.start,middle;end",
    "SECRET-PERF-BUDGET",
    "SECRET-OUTPUT-LINE",
    "SECRET-NOTE",
    TRIPWIRE.rsplit("::", 1)[-1],
    "test_empty_text_has_no_words",
)
VISIBLE = (
    f"{BASIC}test_top_words_orders_by_count_then_alphabetically",
    f"{BASIC}test_top_words_with_fewer_distinct_words_than_n",
)
SKILLS = {"programming": 40.0, "performance": 0.0, "version_control": 75.0}
OVERALL = 38.8


def policy_challenge(where: Path, feedback: str) -> Path:
    """word-frequency copied to ``where`` with ``feedback`` appended to its manifest."""
    folder = where / "word-frequency"
    shutil.copytree(WORD_FREQUENCY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = folder / "challenge.toml"
    manifest.write_text(manifest.read_text() + "\n" + feedback)
    return folder


FEEDBACK = {
    "none": '[feedback]\npolicy = "none"\n',
    "summary": '[feedback]\npolicy = "summary"\n',
    "visible": f'[feedback]\npolicy = "visible"\nvisible = ["{VISIBLE_GLOB}"]\n',
}


def register_policy(settings: Settings, where: Path, policy: str, extra: str = "") -> str:
    return register_without_docker(settings, policy_challenge(where, FEEDBACK[policy] + extra))


def secret_report(repo_url: str, commit: str) -> dict[str, Any]:
    return {
        "schema": 1,
        "status": "graded",
        "overall": OVERALL,
        "skills": {
            name: {"score": score, "weight": 1.0, "findings": [{"rule": "SECRET-NOTE"}]}
            for name, score in SKILLS.items()
        },
        "tests": [
            {"id": i, "skill": s, "outcome": o, "duration_s": 0.01, "message": m}
            for i, (s, o, m) in TESTS.items()
        ],
        "submission": {"repo": repo_url, "commit": commit, "ref": "main"},
        "output": {"head": OUTPUT_HEAD, "tail": TRIPWIRE},
        "notes": [f"SECRET-NOTE about {TRIPWIRE}"],
        # word-frequency's isolation: the submission ran apart from the tests, so visible
        # tests' messages may be shown (grader/feedback.py)
        "integrity": {"mode": "process", "guarantee": True, "signals": ["SECRET-NOTE"]},
    }


def store_report(settings: Settings, submission_id: str, status: str = "graded") -> None:
    """Finish the submission as a worker would, and announce it."""
    with session_scope(settings.effective_database_url) as session:
        row = repo.get_submission(session, submission_id)
        assert row is not None
        report = secret_report(row.repo, row.commit or "0" * 40)
        report["status"] = status
        repo.claim(session, submission_id, "test-worker", 600)
        repo.finish(
            session,
            submission_id,
            status=status,
            overall=OVERALL,
            report=report,
            artifacts={"tripwires": [{"id": TRIPWIRE, "expected": "failed"}]},
            commit=row.commit,
            dedupe_key=None,
            detail="SECRET-NOTE in the detail",
        )
    announce.announce(settings, submission_id)
