"""The similarity tables: fingerprints and comparisons stored and read back, on both databases."""

from __future__ import annotations

from grader.similarity import Fingerprints
from grader.store import similarity
from grader.store.db import session_scope
from tests.store.repo_fixtures import finish, submit

TREE = {
    "a.py": "def total(values):\n    result = 0\n    for v in values:\n        result += v\n"
    "    return [result, len(values), sorted(values), max(values), min(values)]\n"
}


def test_fingerprints_round_trip_and_only_graded_ones_are_owned(db_url: str) -> None:
    data = Fingerprints.from_tree(TREE).to_json()
    graded = submit(db_url, candidate_email="ada@example.com")
    tampered = submit(db_url, repo_url="/repos/b.git")
    with session_scope(db_url) as session:
        finish(session, graded)
        finish(session, tampered, status="tampered", key="t")
        for sid in (graded, tampered):
            similarity.save_fingerprints(session, sid, "word-frequency", 1, data)
        similarity.save_fingerprints(session, graded, "word-frequency", 1, data)  # replaced
    with session_scope(db_url) as session:
        assert similarity.owners(session, "word-frequency", 1) == {graded: "ada@example.com"}
        assert similarity.owners(session, "word-frequency", 2) == {}
        stored = similarity.fingerprints_of(session, [graded, "nobody"])
    assert list(stored) == [graded]
    assert Fingerprints.from_json(stored[graded]) == Fingerprints.from_tree(TREE)


def test_a_result_is_found_by_its_submission_and_by_those_it_names(db_url: str) -> None:
    first, second = submit(db_url), submit(db_url, repo_url="/repos/b.git")
    report = {"compared": 9, "starter": None, "references": [], "submissions": [{"other": first}]}
    with session_scope(db_url) as session:
        similarity.save_result(session, second, "word-frequency", 0.5, {"submissions": []})
        similarity.save_result(session, second, "word-frequency", 0.5, report)  # replaced
    with session_scope(db_url) as session:
        found = similarity.result_of(session, second)
        assert found is not None and found.report == report and found.threshold == 0.5
        assert similarity.result_of(session, first) is None
        assert [
            s.submission_id for s in similarity.mentioning(session, "word-frequency", first)
        ] == [second]
        assert similarity.mentioning(session, "word-frequency", second) == []


def test_a_challenges_results_are_those_of_its_graded_submissions(db_url: str) -> None:
    graded, later = submit(db_url), submit(db_url, repo_url="/repos/b.git")
    tampered = submit(db_url, repo_url="/repos/c.git")
    report = {"submissions": [{"other": graded, "kind": "submission"}]}
    with session_scope(db_url) as session:
        finish(session, graded)
        finish(session, later, key="l")
        finish(session, tampered, status="tampered", key="t")
        for sid in (graded, later, tampered):
            similarity.save_result(session, sid, "word-frequency", 0.6, report)
    with session_scope(db_url) as session:
        found = similarity.results_for_challenge(session, "word-frequency")
    assert sorted(s.submission_id for s in found) == sorted([graded, later])
    assert all(s.threshold == 0.6 and s.report == report for s in found)
