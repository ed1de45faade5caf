from datetime import timedelta
from pathlib import Path

import pytest

from grader.challenge import load_challenge
from grader.errors import BadInput, ChallengeInvalid
from grader.hosting.deadlines import DeadlineDefaults, LatePolicy
from grader.services import SERVICES, ServiceKind
from grader.similarity import Settings
from tests.conftest import WORD_FREQUENCY

VALID = """
id = "demo-task"
title = "Demo"
language = "python"

[[skills]]
name = "programming"
weight = 2
tests = ["hidden/test_a.py::*"]

[[skills]]
name = "performance"
tests = ["hidden/test_perf.py::test_n[1000]"]
"""


def write_challenge(root: Path, manifest: str) -> Path:
    for folder in ("starter", "solution", "hidden"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "statement.md").write_text("# Demo\n")
    (root / "challenge.toml").write_text(manifest)
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ChallengeInvalid) as caught:
        load_challenge(root)
    return caught.value.problems


def test_loads_the_catalogue_challenge() -> None:
    challenge = load_challenge(WORD_FREQUENCY)
    assert challenge.id == "word-frequency"
    assert [s.name for s in challenge.skills] == ["programming", "performance"]
    assert challenge.limits.timeout_s == 30
    assert challenge.version_control_weight == 1


def test_defaults_apply_when_sections_are_absent(tmp_path: Path) -> None:
    challenge = load_challenge(write_challenge(tmp_path, VALID))
    assert (challenge.limits.timeout_s, challenge.limits.memory_mb, challenge.limits.cpus) == (
        60,
        512,
        1.0,
    )
    assert challenge.skills[1].weight == 1.0
    assert challenge.packages == ()


def test_exact_ids_with_brackets_match_themselves(tmp_path: Path) -> None:
    challenge = load_challenge(write_challenge(tmp_path, VALID))
    assert challenge.skill_of("hidden/test_perf.py::test_n[1000]") == "performance"
    assert challenge.skill_of("hidden/test_a.py::TestX::test_y") == "programming"
    assert challenge.skill_of("hidden/test_b.py::test_z") is None


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda m: m.replace('id = "demo-task"', 'id = "Demo Task"'), "id: 'Demo Task' must match"),
        (lambda m: m.replace('title = "Demo"\n', ""), "title: required field is missing"),
        (lambda m: m.replace('"python"', '"cobol"'), "language: 'cobol' has no sandbox image"),
        (
            lambda m: m.replace('"programming"', '"juggling"'),
            'skills[0].name: unknown skill "juggling" (one of programming, databases',
        ),
        (lambda m: m.replace("weight = 2", "weight = 0"), "skills[0].weight: 0 must be > 0"),
        (lambda m: m.replace("weight = 2", "weight = -1"), "skills[0].weight: -1 must be > 0"),
        (lambda m: m.replace('"performance"', '"programming"'), "declared twice"),
        (lambda m: m.replace('"performance"', '"version_control"'), "comes from the git history"),
        (lambda m: m + "\ncolour = 'blue'\n", "colour: unknown field"),
        (lambda m: m + "\n[limits]\ntimeout_s = 'soon'\n", "limits.timeout_s: must be a number"),
        (lambda m: m + "\n[limits]\nmemory_mb = 99999\n", "limits.memory_mb: 99999 must be"),
        (
            lambda m: m + "\n[environment]\npackages = 'fastapi'\n",
            "environment.packages: must be a list",
        ),
        (lambda m: m + "\n[environment]\npackages = ['--index-url=x']\n", "looks like an option"),
        (
            lambda m: m.replace('tests = ["hidden/test_a.py::*"]', "tests = []"),
            "skills[0].tests: must be",
        ),
    ],
)
def test_each_manifest_problem_is_named(tmp_path: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    problems = problems_of(write_challenge(tmp_path, edit(VALID)))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(("challenge.toml", tmp_path.name)) for p in problems)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    manifest = VALID.replace('"python"', '"cobol"').replace("weight = 2", "weight = 0")
    root = write_challenge(tmp_path, manifest)
    (root / "statement.md").unlink()
    problems = problems_of(root)
    assert len(problems) == 3, problems


def test_broken_toml_is_reported_with_its_position(tmp_path: Path) -> None:
    problems = problems_of(write_challenge(tmp_path, 'id = "x\n'))
    assert problems[0].startswith("challenge.toml: not valid TOML")


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            'id = "x\n',
            "Illegal character '\\n' at line 1, column 8: id = \"x "
            "(a string is not closed on its line)",
        ),
        (
            'id = "x"\n[[skills]]\nname = programming\n',
            "Invalid value at line 3, column 8: name = programming "
            '(a string needs quotes: "programming")',
        ),
        (
            'id = "x"\nid = "y"\n',
            'Cannot overwrite a value at line 2, column 9: id = "y" '
            "(a key is set twice in the same table)",
        ),
        ('tests = ["a",\n', "Invalid value at the end of the file"),
    ],
)
def test_broken_toml_names_its_cause_and_the_line(tmp_path: Path, toml: str, expected: str) -> None:
    problems = problems_of(write_challenge(tmp_path, toml))
    assert problems == [f"challenge.toml: not valid TOML: {expected}"]


def test_a_misspelled_skill_is_named_with_the_likely_one(tmp_path: Path) -> None:
    root = write_challenge(tmp_path, VALID.replace('"programming"', '"programing"'))
    assert problems_of(root) == [
        'challenge.toml: skills[0].name: unknown skill "programing" (did you mean "programming"?)'
    ]


def test_a_misspelled_field_comes_before_the_field_it_leaves_missing(tmp_path: Path) -> None:
    root = write_challenge(tmp_path, VALID.replace("title =", "titel ="))
    assert problems_of(root) == [
        'challenge.toml: titel: unknown field (did you mean "title"?)',
        "challenge.toml: title: required field is missing",
    ]


def test_a_manifest_whose_suite_can_run_is_carried_by_the_error(tmp_path: Path) -> None:
    """So validation goes on and reports the suite's problems in the same run."""
    root = write_challenge(tmp_path, VALID.replace('"programming"', '"programing"'))
    with pytest.raises(ChallengeInvalid) as caught:
        load_challenge(root)
    assert caught.value.runnable is not None
    assert [s.name for s in caught.value.runnable.skills] == ["programing", "performance"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.replace('"python"', '"cobol"'),
        lambda m: m + "\n[limits]\ntimeout_s = 'soon'\n",
        lambda m: m.replace("[[skills]]", "[[skill]]"),
    ],
)
def test_a_manifest_whose_suite_cannot_run_carries_nothing(tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ChallengeInvalid) as caught:
        load_challenge(write_challenge(tmp_path, edit(VALID)))
    assert caught.value.runnable is None


def test_a_challenge_missing_a_folder_carries_nothing(tmp_path: Path) -> None:
    root = write_challenge(tmp_path, VALID.replace('"programming"', '"programing"'))
    (root / "statement.md").unlink()
    with pytest.raises(ChallengeInvalid) as caught:
        load_challenge(root)
    assert caught.value.runnable is None


def test_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not a folder"):
        load_challenge(tmp_path / "nowhere")


def test_mapping_problems_name_unmatched_doubly_matched_and_idle_globs(tmp_path: Path) -> None:
    manifest = VALID.replace('"hidden/test_perf.py::test_n[1000]"', '"hidden/test_a.py::test_x*"')
    manifest += '\n[[skills]]\nname = "security"\ntests = ["hidden/test_sec.py::*"]\n'
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    problems = challenge.mapping_problems(["hidden/test_a.py::test_x", "hidden/test_b.py::test_y"])
    assert any("hidden/test_a.py::test_x is matched by several skills" in p for p in problems)
    assert any("hidden/test_b.py::test_y is matched by no skill" in p for p in problems)
    assert any('"hidden/test_sec.py::*" matches no test' in p for p in problems)


BEHAVIOUR = ["hidden/test_behaviour.py::test_a", "hidden/test_behaviour.py::test_b"]


def test_a_misspelled_pattern_is_one_problem_with_its_likely_fix(tmp_path: Path) -> None:
    """Not three: its unclaimed tests are explained by it, so not listed again."""
    manifest = VALID.replace("hidden/test_a.py::*", "hidden/test_behavior.py::*")
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    problems = challenge.mapping_problems([*BEHAVIOUR, "hidden/test_perf.py::test_n[1000]"])
    assert problems == [
        'challenge.toml: skills.programming.tests: "hidden/test_behavior.py::*" matches no test '
        '(did you mean "hidden/test_behaviour.py::*"? it would claim 2 test(s) no skill claims)'
    ]


def test_root_causes_come_before_the_tests_they_leave_unclaimed(tmp_path: Path) -> None:
    manifest = VALID.replace("hidden/test_a.py::*", "hidden/test_zzz.py::*")
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    problems = challenge.mapping_problems([*BEHAVIOUR, "hidden/test_perf.py::test_n[1000]"])
    assert problems == [
        'challenge.toml: skills.programming.tests: "hidden/test_zzz.py::*" matches no test',
        "challenge.toml: test hidden/test_behaviour.py::test_a is matched by no skill's tests",
        "challenge.toml: test hidden/test_behaviour.py::test_b is matched by no skill's tests",
    ]


def test_a_misspelled_test_name_in_a_pattern_is_corrected(tmp_path: Path) -> None:
    manifest = VALID.replace("hidden/test_a.py::*", "hidden/test_behaviour.py::test_wrods*")
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    ids = ["hidden/test_behaviour.py::test_words_count", "hidden/test_perf.py::test_n[1000]"]
    assert challenge.mapping_problems(ids) == [
        "challenge.toml: skills.programming.tests: "
        '"hidden/test_behaviour.py::test_wrods*" matches no test '
        '(did you mean "hidden/test_behaviour.py::test_words*"? '
        "it would claim 1 test(s) no skill claims)"
    ]


def test_content_hash_follows_the_hidden_suite(tmp_path: Path) -> None:
    root = write_challenge(tmp_path, VALID)
    (root / "hidden" / "test_a.py").write_text("def test_x(): pass\n")
    before = load_challenge(root).content_hash()
    (root / "hidden" / "test_a.py").write_text("def test_x(): assert True\n")
    assert load_challenge(root).content_hash() != before


def test_services_are_read_with_their_versions(tmp_path: Path) -> None:
    manifest = VALID + '\n[services]\npostgres = "15"\nredis = "7"\n'
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    assert [(s.kind.value, s.version) for s in challenge.services] == [
        ("postgres", "15"),
        ("redis", "7"),
    ]
    assert load_challenge(WORD_FREQUENCY).services == ()


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('mysql = "8"', "services.mysql: unknown service (known: postgres, redis)"),
        ('postgres = "9"', "services.postgres: version '9' is not available (available: '15')"),
        ("redis = 7", "services.redis: version 7 is not available (available: '7')"),
    ],
)
def test_an_unknown_service_or_version_is_named_with_what_exists(
    tmp_path: Path, table: str, expected: str
) -> None:
    root = write_challenge(tmp_path, VALID + f"\n[services]\n{table}\n")
    assert problems_of(root) == [f"challenge.toml: {expected}"]


def test_the_environment_a_service_gives_the_suite() -> None:
    assert SERVICES[ServiceKind.POSTGRES].environment() == {
        "DATABASE_URL": "postgresql://grader:grader@postgres:5432/grader",
        "PGHOST": "postgres",
        "PGPORT": "5432",
        "PGUSER": "grader",
        "PGPASSWORD": "grader",
        "PGDATABASE": "grader",
    }
    assert SERVICES[ServiceKind.REDIS].environment() == {"REDIS_URL": "redis://redis:6379/0"}


def test_the_flaky_table_is_read_and_its_idle_globs_are_named(tmp_path: Path) -> None:
    manifest = (
        VALID
        + '\n[flaky]\nreruns = 3\nrule = "first-pass"\ntests = ["hidden/test_a.py::test_slow*"]\n'
    )
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    assert (challenge.flaky.reruns, challenge.flaky.rule) == (3, "first-pass")
    problems = challenge.mapping_problems(
        ["hidden/test_a.py::test_x", "hidden/test_perf.py::test_n[1000]"]
    )
    assert problems == [
        'challenge.toml: flaky.tests: "hidden/test_a.py::test_slow*" matches no test'
    ]
    assert (
        challenge.mapping_problems(
            ["hidden/test_a.py::test_slower", "hidden/test_perf.py::test_n[1000]"]
        )
        == []
    )


def test_a_malformed_flaky_table_is_one_more_problem(tmp_path: Path) -> None:
    problems = problems_of(write_challenge(tmp_path, VALID + "\n[flaky]\nreruns = 12\n"))
    assert problems == ["challenge.toml: flaky.reruns: must be a whole number from 0 to 4"]


def test_review_blind_is_off_unless_the_manifest_says_so(tmp_path: Path) -> None:
    assert load_challenge(write_challenge(tmp_path / "a", VALID)).review_blind is False
    blind = load_challenge(write_challenge(tmp_path / "b", VALID + "\n[review]\nblind = true\n"))
    assert blind.review_blind is True


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("[review]\nblind = 'yes'\n", "review.blind: must be true or false, not 'yes'"),
        ("[review]\nblnd = true\n", 'review.blnd: unknown field (did you mean "blind"?)'),
        ("review = true\n", "[review] must be a table"),
    ],
)
def test_a_bad_review_section_is_named(tmp_path: Path, section: str, expected: str) -> None:
    manifest = section + VALID if not section.startswith("[") else VALID + "\n" + section
    problems = problems_of(write_challenge(tmp_path, manifest))
    assert any(expected in p for p in problems), problems


def test_a_deadline_table_gives_invitations_their_default(tmp_path: Path) -> None:
    manifest = VALID + '\n[deadline]\nduration = "72h"\nlate = "accept-late"\n'
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    assert challenge.deadline == DeadlineDefaults(timedelta(hours=72), LatePolicy.ACCEPT_LATE)
    assert load_challenge(write_challenge(tmp_path / "none", VALID)).deadline == DeadlineDefaults()


def test_every_deadline_problem_is_named_in_one_pass(tmp_path: Path) -> None:
    manifest = VALID + '\n[deadline]\nduration = "72"\nlate = "accept_late"\nlat = 1\n'
    assert problems_of(write_challenge(tmp_path, manifest)) == [
        "challenge.toml: deadline.lat: unknown field",  # "late" is there: no hint
        "challenge.toml: deadline.duration: '72' is not a whole number of days, hours and/or "
        "minutes, e.g. 72h, 3d, 90m or 1d12h",
        "challenge.toml: deadline.late: 'accept_late' is not one of 'refuse', 'accept-late' "
        '(did you mean "accept-late"?)',
    ]


def test_a_misspelled_deadline_field_gets_its_likely_name(tmp_path: Path) -> None:
    manifest = VALID + '\n[deadline]\nduraton = "3d"\n'
    assert problems_of(write_challenge(tmp_path, manifest)) == [
        'challenge.toml: deadline.duraton: unknown field (did you mean "duration"?)'
    ]


# -- [similarity] ---------------------------------------------------------------------------
def test_the_similarity_table_sets_the_threshold_and_the_shared_files(tmp_path: Path) -> None:
    manifest = VALID + '\n[similarity]\nthreshold = 0.6\nexclude = ["vendor/*", "conftest.py"]\n'
    challenge = load_challenge(write_challenge(tmp_path, manifest))
    assert challenge.similarity.threshold == 0.6
    assert challenge.similarity.exclude == ("vendor/*", "conftest.py")


def test_without_a_similarity_table_the_default_threshold_applies(tmp_path: Path) -> None:
    challenge = load_challenge(write_challenge(tmp_path, VALID))
    assert challenge.similarity.threshold == Settings().threshold == 0.5
    assert challenge.similarity.exclude == ()


def test_similarity_problems_are_named_in_the_same_pass(tmp_path: Path) -> None:
    manifest = VALID.replace('title = "Demo"\n', "") + (
        '\n[similarity]\ntreshold = 0.6\nexclude = "vendor/*"\n'
    )
    problems = problems_of(write_challenge(tmp_path, manifest))
    assert problems == [
        "challenge.toml: title: required field is missing",
        'challenge.toml: similarity.treshold: unknown field (did you mean "threshold"?)',
        "challenge.toml: similarity.exclude: must be a list of path globs",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.5", "similarity.threshold: 1.5 must be > 0 and <= 1"),
        ("0", "similarity.threshold: 0 must be > 0 and <= 1"),
        ('"high"', "similarity.threshold: must be a number, not 'high'"),
    ],
)
def test_a_threshold_outside_zero_to_one_is_refused(
    tmp_path: Path, value: str, expected: str
) -> None:
    manifest = VALID + f"\n[similarity]\nthreshold = {value}\n"
    assert problems_of(write_challenge(tmp_path, manifest)) == [f"challenge.toml: {expected}"]
