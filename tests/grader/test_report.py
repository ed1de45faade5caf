import json

from grader.report import (
    ChallengeRef,
    Report,
    SandboxRef,
    SkillReport,
    SubmissionRef,
    TestReport,
    headline,
    render_text,
)

CONTRACT_FIELDS = {
    "schema",
    "status",
    "overall",
    "skills",
    "tests",
    "challenge",
    "sandbox",
    "submission",
}


def sample() -> Report:
    return Report(
        schema=1,
        status="graded",
        overall=83.3,
        skills={
            "programming": SkillReport(score=100.0, weight=2, passed=6, total=6),
            "version_control": SkillReport(
                score=70.0,
                weight=1,
                findings=[
                    {
                        "rule": "message.wip",
                        "message": "WIP commit",
                        "commit": "abc1234def",
                        "effect": -5.0,
                    }
                ],
            ),
        },
        tests=[
            TestReport(
                id="hidden/test_a.py::test_b",
                skill="programming",
                outcome="failed",
                duration_s=0.01,
                message="assert 1 == 2\nE   AssertionError",
            )
        ],
        challenge=ChallengeRef(id="word-frequency", commit=None),
        sandbox=SandboxRef(image="grader-python:x", digest="sha256:y"),
        submission=SubmissionRef(repo="/tmp/r", commit="c" * 40),
    )


def test_json_has_the_contract_fields_with_their_shapes() -> None:
    data = json.loads(sample().to_json())
    assert set(data) >= CONTRACT_FIELDS
    assert data["schema"] == 1
    assert data["skills"]["programming"] == {"score": 100.0, "weight": 2, "passed": 6, "total": 6}
    assert set(data["skills"]["version_control"]) == {"score", "weight", "findings"}
    assert data["skills"]["version_control"]["findings"][0]["commit"] == "abc1234def"
    assert data["tests"][0]["outcome"] == "failed"
    assert data["challenge"] == {
        "id": "word-frequency",
        "commit": None,
        "title": None,
        "version": None,
    }


def test_text_shows_skills_failures_and_findings() -> None:
    text = render_text(sample())
    assert "overall: 83.3" in text
    assert "programming" in text and "6/6 tests" in text
    assert "failed   hidden/test_a.py::test_b: E   AssertionError" in text
    assert "message.wip" in text


def test_headline_prefers_the_first_error_line() -> None:
    message = "test.py:3: in t\n    assert a == b\nE   assert 1 == 2\nE     Use -v to get more diff"
    assert headline(message) == "E   assert 1 == 2"
    assert headline("the test did not run") == "the test did not run"
    assert headline("") == ""
