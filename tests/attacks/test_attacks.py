"""Red-team attacks on the grader, each graded for real in a Docker sandbox.

Every attack is a small submission (see submissions/ and README.md) built into a
git repository on top of the word-frequency starter, whose functions raise
NotImplementedError: no hidden test can pass for real. Each test checks the
verdict, that nothing forged is reported passed, that the grading ended within
timeout_s + 20 s, and that no sandbox container or grading folder is left.

The attacks in the last sections beat an earlier grader (README.md says how
each is stopped now); they keep the verdict the grader must give.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from grader.engine import OWNER_LABEL, owner
from grader.errors import RepositoryError
from grader.fetch import MAX_FILES
from tests.attacks.helpers import (
    TEST_SKILLS,
    GraderEnv,
    Outcome,
    assert_expected_ids,
    assert_host_clean,
    assert_in_time,
    assert_nothing_passed,
    describe,
    git,
    probes,
)

pytestmark = pytest.mark.docker

Grade = Callable[..., Outcome]


def check_graded_nothing_passed(env: GraderEnv, outcome: Outcome) -> None:
    """The common verdict: a real grading, in time, nothing passed, the host clean."""
    assert outcome.report.status == "graded", describe(outcome)
    assert_expected_ids(env, outcome)
    assert_nothing_passed(outcome)
    assert_in_time(env, outcome)
    assert_host_clean(env)


def check_tampered(env: GraderEnv, outcome: Outcome) -> None:
    assert outcome.report.status == "tampered", describe(outcome)
    assert_expected_ids(env, outcome)
    for skill in TEST_SKILLS:
        assert outcome.report.skills[skill].score == 0, describe(outcome)
    assert_in_time(env, outcome)
    assert_host_clean(env)


def check_forgery_fails(env: GraderEnv, outcome: Outcome) -> None:
    """A forgery either is caught (tampered, test skills 0) or forges nothing (nothing passed)."""
    report = outcome.report
    assert_in_time(env, outcome)
    assert_host_clean(env)
    assert_expected_ids(env, outcome)
    if report.status == "tampered":
        for skill in TEST_SKILLS:
            assert report.skills[skill].score == 0, describe(outcome)
    else:
        assert outcome.passed() == [], "forged passes were accepted:\n" + describe(outcome)


# ---------------------------------------------------------------------------
# Control: the reference solution, graded the same way, is graded 100 (no false alarm).
# ---------------------------------------------------------------------------


def test_control_reference_solution_scores_100(grader_env: GraderEnv, grade_attack: Grade) -> None:
    solution = grader_env.prepared.challenge.root / "solution" / "wordfreq.py"

    def setup(repo: Path) -> None:
        (repo / "wordfreq.py").write_bytes(solution.read_bytes())
        git(repo, "add", "wordfreq.py")

    outcome = grade_attack(None, setup=setup)
    assert outcome.report.status == "graded", describe(outcome)
    assert_expected_ids(grader_env, outcome)
    assert set(outcome.outcomes().values()) == {"passed"}, describe(outcome)
    for skill in TEST_SKILLS:
        assert outcome.report.skills[skill].score == 100
    assert_in_time(grader_env, outcome)
    assert_host_clean(grader_env)


# ---------------------------------------------------------------------------
# Runner configuration and start-up hooks in the submission: neutralised.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attack", "removed"),
    [
        ("root-conftest", ["conftest.py"]),
        ("subdir-conftest", ["pkg/conftest.py", "tests/conftest.py"]),
        (
            "startup-hooks",
            [
                "evil.pth",
                "lib/sitecustomize.py",
                "lib/zz-hook.pth",
                "sitecustomize.py",
                "usercustomize.py",
            ],
        ),
        ("fake-hidden", ["hidden/conftest.py", "hidden/test_basic.py", "hidden/test_perf.py"]),
    ],
)
def test_files_that_configure_the_runner_are_removed(
    grader_env: GraderEnv, grade_attack: Grade, attack: str, removed: list[str]
) -> None:
    outcome = grade_attack(attack)
    check_graded_nothing_passed(grader_env, outcome)
    named = {entry.split(":", 1)[0] for entry in outcome.report.removed_files}
    assert set(removed) <= named, outcome.report.removed_files


@pytest.mark.parametrize("attack", ["runner-config", "shadow-pytest"])
def test_runner_config_files_and_shadow_modules_have_no_effect(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    """pytest.ini/pyproject.toml/setup.cfg/tox.ini addopts; pytest.py and _pytest/ shadows."""
    outcome = grade_attack(attack)
    check_graded_nothing_passed(grader_env, outcome)
    # The suite ran as the grader configured it: every hidden test ran and failed (or,
    # where the shadow breaks the submission's own imports in its process, errored).
    assert set(outcome.outcomes().values()) <= {"failed", "error"}, describe(outcome)


# ---------------------------------------------------------------------------
# Forgery of the test process. Isolated (the default for Python), the submission runs in a
# process of its own, where there is no pytest to patch: it forges nothing. In a shared
# grading the tripwires and the exit-status checks catch these (tests/grader/test_results.py).
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ["patch-runtest", "patch-makereport", "exit-at-import"])
def test_naive_forgery_forges_nothing(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    check_forgery_fails(grader_env, grade_attack(attack))


@pytest.mark.parametrize(
    "attack",
    [
        "forge-adaptive",  # finds the session, spares tripwires and mirrors, flips the rest
        "patch-runner-globals",  # replaces functions in the runner's modules, not classes
        "equal-to-anything",  # returns objects whose __eq__ says True to everything
        "frame-walk",  # reads the expected value from the calling test's frame
        "read-hidden-answers",  # parses the hidden tests' asserts into a lookup table
        "forge-wire",  # unasked replies, handles never handed out, malformed frames
    ],
)
def test_adaptive_forgers_score_what_the_starter_scores(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    """The forgers of the integrity issue: each ends graded with nothing passed (what the
    unchanged starter scores) or tampered; none can raise the grade."""
    outcome = grade_attack(attack)
    check_forgery_fails(grader_env, outcome)
    assert outcome.report.integrity["mode"] == "process", describe(outcome)


def test_the_audit_hooks_see_frame_walking_in_the_candidate_process(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """The second line in an isolated grading: the walk forges nothing, and the reviewer
    sees the line that did it (a suspicion, so the grading stays ``graded``)."""
    outcome = grade_attack("frame-walk")
    check_forgery_fails(grader_env, outcome)
    observed = outcome.report.integrity["observed"]
    assert any(
        n["signal"] == "walks the call stack" and n["file"] == "wordfreq.py" and n["line"] == 15
        for n in observed
    ), describe(outcome)
    assert not any(n["evidence"] for n in observed), observed


@pytest.mark.parametrize(
    "attack",
    [
        "patch-makereport",  # replaces TestReport.from_item_and_call and the makereport hook
        "patch-runtest",  # replaces how a test item runs
        "forge-adaptive",  # the integrity issue's forger, where it can find the session
        "patch-runner-globals",  # replaces functions in the runner's modules
    ],
)
def test_the_second_line_catches_runner_patches_in_a_shared_grading(
    shared_env: GraderEnv, grade_shared: Grade, attack: str
) -> None:
    """Without isolation the candidate's code runs beside pytest. The runner's snapshot and
    the tripwires still make these forgeries fail: tampered, or nothing forged."""
    outcome = grade_shared(attack)
    assert outcome.report.integrity["mode"] == "shared", describe(outcome)
    check_forgery_fails(shared_env, outcome)


def test_a_shared_grading_names_the_runner_object_that_was_replaced(
    shared_env: GraderEnv, grade_shared: Grade
) -> None:
    outcome = grade_shared("forge-adaptive")
    assert outcome.report.status == "tampered", describe(outcome)
    evidence = [n for n in outcome.report.integrity["observed"] if n["evidence"]]
    assert any("TestReport.from_item_and_call" in n["text"] for n in evidence), evidence


def test_a_reference_to_the_tests_own_objects_is_refused(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """Red team: name ``unittest.mock.ANY`` so that the tests' process decodes its own
    equal-to-anything object, and spare the control tests by the name pytest put in the
    environment. Scored 79.5 on the starter; only classes cross by name now."""
    outcome = grade_attack("reference-to-any")
    check_forgery_fails(grader_env, outcome)
    assert outcome.report.status == "graded", describe(outcome)


def test_a_climb_from_a_tests_generator_to_pytest_is_refused(
    pipeline_env: GraderEnv, grade_pipeline: Grade
) -> None:
    """Red team, on plugin-pipeline: from a callback inside a test's generator, walk its
    frames up to pytest's item and replace every other test's function (84.9 on the
    starter; with the same foothold, run a file of ours as the tests' uid). Scores what the
    unchanged starter scores now."""
    starter = grade_pipeline(None)
    outcome = grade_pipeline("frame-climb")
    assert_in_time(pipeline_env, outcome)
    assert_host_clean(pipeline_env)
    assert outcome.report.status == "graded", describe(outcome)
    assert set(outcome.passed()) <= set(starter.passed()), describe(outcome)
    for skill, result in outcome.report.skills.items():
        if skill != "version_control":  # the two repositories' histories differ
            assert result.score <= starter.report.skills[skill].score, describe(outcome)


@pytest.mark.parametrize(
    ("challenge", "attack"),
    [
        ("leaderboard-redis", "services-redis-abuse"),
        ("ledger-postgres", "services-postgres-abuse"),
    ],
)
def test_a_submission_can_neither_keep_nor_exhaust_its_services(
    grader_env: GraderEnv,
    catalogue_env: Callable[[str], GraderEnv],
    grade_in: Callable[[str, str | None], Outcome],
    challenge: str,
    attack: str,
) -> None:
    """It marks its database for the next grading, fills it, holds 20-30 connections with
    calls that never end, then fails every call saying what it found. Graded twice: both
    times nothing passes, in time, the marker is gone (fresh services), and no service
    container or network is left."""
    env = catalogue_env(challenge)
    for _ in range(2):
        outcome = grade_in(challenge, attack)
        assert outcome.report.status == "graded", describe(outcome)
        assert outcome.passed() == [], describe(outcome)
        assert_in_time(env, outcome)
        messages = " ".join(t.message for t in outcome.report.tests)
        assert "persisted: yes" not in messages and "never full" not in messages, messages[:3000]
        if challenge == "leaderboard-redis":  # Redis refuses writes when full and lives on
            assert "persisted: no; full after" in messages, messages[:3000]
        # A full PostgreSQL may stop altogether (its data is on tmpfs): the tests that need
        # it then error, which costs this grading only.
        assert set(outcome.report.sandbox.services) == {challenge.split("-")[-1]}
    # This process's own (a grading elsewhere on the same engine may be running).
    client = docker.from_env()
    ours = {"label": ["grader.purpose=service", f"{OWNER_LABEL}={owner()}"]}
    assert client.containers.list(all=True, filters=ours) == []
    ours = {"label": ["grader.purpose=services", f"{OWNER_LABEL}={owner()}"]}
    assert client.networks.list(filters=ours) == []


@pytest.mark.parametrize(
    "attack",
    [
        "java-exit-in-static-init",  # System.exit(0) when a test first touches Pricing
        "java-forge-results",  # "passed" records for five real IDs on the results channel
        "java-silence-listener",  # closes the listener's descriptor, forges all but controls
    ],
)
def test_java_forgeries_forge_nothing(
    catalogue_env: Callable[[str], GraderEnv],
    grade_in: Callable[[str, str | None], Outcome],
    attack: str,
) -> None:
    """Java is graded ``shared``: the candidate's classes load in the JVM that reports.
    An early exit with status 0 and forged records both end tampered (a must-fail control
    test passed or never ran while the JVM said success; the real results arrive as
    duplicates), or forge nothing."""
    env = catalogue_env("pricing-java")
    outcome = grade_in("pricing-java", attack)
    assert_in_time(env, outcome)
    assert_host_clean(env)
    report = outcome.report
    assert report.integrity["mode"] == "shared", describe(outcome)
    if report.status == "tampered":
        assert all(
            skill.score == 0 for name, skill in report.skills.items() if name != "version_control"
        ), describe(outcome)
    else:
        assert outcome.passed() == [], "forged passes were accepted:\n" + describe(outcome)


def test_trusted_process_cannot_be_reached(grader_env: GraderEnv, grade_attack: Grade) -> None:
    """/proc reads, ptrace, writes to its descriptors and SIGSTOP against every other
    process: all refused (another uid, undumpable), so the suite runs to its end."""
    outcome = grade_attack("attack-trusted-process")
    check_graded_nothing_passed(grader_env, outcome)
    messages = " ".join(t.message for t in outcome.report.tests)
    assert "reached []" in messages, describe(outcome)
    assert "timeout" not in set(outcome.outcomes().values()), describe(outcome)


def test_results_cannot_be_rewritten_after_the_fact(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """The results travel on a socket only PID 1 reads: at exit the attack can neither read
    them back nor add any (the runner closed its end), so nothing it forged arrives."""
    outcome = grade_attack("rewrite-results-atexit")
    if outcome.report.status != "tampered":  # or, had anything arrived, as duplicates
        check_graded_nothing_passed(grader_env, outcome)


def test_tampered_report_scores_zero_overall(grader_env: GraderEnv, grade_attack: Grade) -> None:
    """A forger's report should not keep a version-control score (overall 0).

    Once beat the grader (policy): scoring zeroed only the test skills of a
    tampered grading, so the forger kept overall = version_control x its weight.
    """
    outcome = grade_attack("patch-runtest")
    if outcome.report.status == "tampered":
        assert outcome.report.overall == 0, describe(outcome)
    else:  # isolated: the patch never reached pytest, so nothing passed
        assert outcome.passed() == [], describe(outcome)


def test_fake_output_and_frames_are_ignored(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("fake-output")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found
    assert set(outcome.outcomes().values()) <= {"failed", "error"}, describe(outcome)


# ---------------------------------------------------------------------------
# The sandbox's walls: hidden/ read-only, PID 1, the network, symlinks.
# ---------------------------------------------------------------------------


def test_hidden_tests_cannot_be_replaced(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("write-hidden")
    check_graded_nothing_passed(grader_env, outcome)
    seen = probes(outcome)
    for attempt in (
        "overwrite",
        "append",
        "conftest",
        "init",
        "pycache",
        "unlink",
        "chmod",
        "rename_file",
        "rename_mount",
        "rmtree",
    ):
        assert seen[attempt] != "done", seen
    # the candidate's uid cannot even read the hidden suite now (it is the grader's)
    assert seen["still_there"] in {"done", "PermissionError"}, seen


def test_pid1_cannot_be_stopped_killed_or_read(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("attack-pid1")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found
    seen = probes(outcome)
    assert seen["pid1_state"] in {"S", "R"}, seen  # not stopped (T)
    # PID 1 runs as root: the candidate's uid cannot even signal it
    assert seen["pid1_alive"] in {"done", "PermissionError"}, seen
    for private in ("mem", "environ", "fd_list", "fd0", "fd1_write", "maps", "root", "cwd"):
        assert seen[private] == "PermissionError", (private, seen)
    assert seen["ptrace"] == "-1", seen


def test_killing_the_parent_changes_nothing(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("kill-parent")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found
    assert set(outcome.outcomes().values()) == {"failed"}, describe(outcome)


def test_network_is_unreachable(grader_env: GraderEnv, grade_attack: Grade) -> None:
    outcome = grade_attack("network")
    check_graded_nothing_passed(grader_env, outcome)
    seen = probes(outcome)
    assert seen.pop("interfaces") == "['lo']", seen
    assert "connected" not in seen.values(), seen


def _secret_links(host_data: Path) -> Callable[[Path], None]:
    def setup(repo: Path) -> None:
        os.symlink("/etc/shadow", repo / "shadow")
        os.symlink("/root", repo / "root_home")
        os.symlink("../../../../../../etc/passwd", repo / "passwd_up")
        os.symlink(str(host_data), repo / "host_data")
        os.symlink("/proc/1/environ", repo / "pid1_environ")
        git(repo, "add", "shadow", "root_home", "passwd_up", "host_data", "pid1_environ")

    return setup


def test_symlinks_are_not_followed_on_the_host(
    grader_env: GraderEnv, grade_attack: Grade, tmp_path: Path
) -> None:
    """Links travel as links; inside the sandbox they point into the container's own fs."""
    host_secret = tmp_path / "host-secret"
    host_secret.mkdir()
    (host_secret / "token").write_text("host-only")
    outcome = grade_attack("symlinks", setup=_secret_links(host_secret))
    check_graded_nothing_passed(grader_env, outcome)
    seen = probes(outcome)
    assert seen["shadow"] == "/etc/shadow -> PermissionError", seen
    assert seen["root_home"] == "/root -> PermissionError", seen
    assert seen["host_data"] == f"{host_secret} -> FileNotFoundError", seen
    assert seen["pid1_environ"] == "/proc/1/environ -> PermissionError", seen
    assert (host_secret / "token").read_text() == "host-only"


def test_sandbox_walls_seen_from_inside(grader_env: GraderEnv, tmp_path: Path) -> None:
    """A trusted probe suite run directly in the sandbox: every wall must hold."""
    from grader.sandbox import SandboxJob
    from grader.workspace import folder_entries_tar

    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_walls.py").write_text((Path(__file__).parent / "walls_probe.py").read_text())
    prepared = grader_env.prepared
    artifacts = grader_env.sandbox.run(
        SandboxJob(
            image=prepared.image.reference,
            workspace_tar=folder_entries_tar(prepared.challenge.root / "starter", "python").tar,
            hidden_dir=hidden,
            limits=prepared.challenge.limits,
            labels={"grader.purpose": "attack-probe"},
        )
    )
    assert artifacts.frame_found, artifacts
    results = {
        r["id"].split("::")[-1]: (r["outcome"], r.get("message", ""))
        for r in artifacts.records
        if isinstance(r, dict) and r.get("event") == "result"
    }
    assert len(results) >= 10, artifacts.records
    failed = {name: message for name, (outcome, message) in results.items() if outcome != "passed"}
    assert failed == {}, failed
    assert_host_clean(grader_env)


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
# Forgeries that once got a full score (see README.md for what stops each).
# ---------------------------------------------------------------------------


def test_daemon_leaves_nothing_and_forges_nothing(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """A setsid'd double-forked daemon keeps writing; it must die with the run.

    Once beat the grader: the daemon's last rewrite of the results file (after
    the test process ended, before kill -1) held forged passes. Results now go to
    a socket only PID 1 reads, and nothing written can be rewritten.
    """
    outcome = grade_attack("daemon")
    assert outcome.report.status in {"graded", "tampered"}, describe(outcome)
    check_forgery_fails(grader_env, outcome)


@pytest.mark.parametrize(
    "attack",
    [
        "forge-selective",  # flips failures of tests that call the candidate's code
        "forge-known-ids",  # at exit, rewrites only the results of the IDs a report gave away
        "forge-first-results",  # forged results first; the grader keeps the first of an ID
        "forge-then-exit",  # forged results, then os._exit(1): no tripwire, no finish record
        "forge-then-hang",  # forged results, then the time limit: exit checks skipped
        "drop-tripwires",  # tripwires removed from the collection, real tests no-ops
        "substitute-test-module",  # a fake test_perf module in sys.modules
    ],
)
def test_forgery_beyond_the_tripwires(
    grader_env: GraderEnv, grade_attack: Grade, attack: str
) -> None:
    check_forgery_fails(grader_env, grade_attack(attack))


def test_results_file_swapped_for_a_fifo_does_not_hang_the_supervisor(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """Once beat the grader (availability): PID 1 blocked opening a FIFO at the results
    path. There is no results file any more.

    The host then kills the container at timeout_s + 30 s: the grading takes a
    full extra half-minute and reports every test as a timeout.
    """
    outcome = grade_attack("hang-supervisor")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.frame_found, describe(outcome)


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


# ---------------------------------------------------------------------------
# The processes PID 1 starts before the submission arrives (runner/supervise_prestart.py).
# ---------------------------------------------------------------------------

REFUSED = "PermissionError"


def test_the_pre_started_test_process_cannot_be_reached(
    grader_env: GraderEnv, grade_attack: Grade
) -> None:
    """From the pre-started candidate process: the trusted one is another uid and undumpable,
    and the go socket, results channel and control socket are not among our descriptors."""
    outcome = grade_attack("attack-prestart")
    check_graded_nothing_passed(grader_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.prestart is not None
    assert outcome.artifacts.prestart["used"] is True, describe(outcome)
    seen = probes(outcome)
    assert seen["others"] == ["launch_pytest.py"], seen
    for key in ("kill_SIGSTOP", "kill_SIGKILL", "kill_SIGTERM", "kill_SIGUSR1", "alive"):
        assert seen[key] == REFUSED, (key, seen)
    for key in ("fd_list", "mem", "environ", *(f"fd{n}" for n in range(3, 12))):
        assert seen[key] == REFUSED, (key, seen)
    assert seen["ptrace"] == "-1", seen
    assert seen["sockets"] == 1, seen  # only its own link to the test process


def test_a_shared_grading_runs_without_the_pre_started_processes(
    shared_env: GraderEnv, grade_shared: Grade
) -> None:
    """They do not fit a shared grading: PID 1 kills both before the test process starts,
    so the submission's code, in the test process, finds neither."""
    outcome = grade_shared("attack-prestart")
    check_graded_nothing_passed(shared_env, outcome)
    assert outcome.artifacts is not None and outcome.artifacts.prestart == {
        "used": False,
        "ready_s": None,
    }
    seen = probes(outcome)
    assert seen["others"] == [], seen
    assert seen["sockets"] == 1, seen  # the results channel only


def test_attack_suite_left_no_processes(grader_env: GraderEnv) -> None:
    """Last: no sandbox of this suite is left, whatever the attacks above did."""
    assert_host_clean(grader_env)
