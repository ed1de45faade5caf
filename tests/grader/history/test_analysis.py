"""The version-control skill, on real git histories built by fixtures.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.history.analysis import HistoryResult, analyse_history, blob_sha
from grader.history.rules import BASELINE, MAX_LISTED, RUBRIC, Finding
from tests.grader.history.fixtures import (
    AWS_KEY,
    GITHUB_TOKEN,
    STARTER,
    T0,
    Built,
    Repo,
    backdated,
    big_history,
    code,
    committed_virtualenv,
    everything_wrong,
    exemplary,
    future_dated,
    key_committed_then_deleted,
    one_giant_commit,
    run_git,
    seed_elsewhere,
    unrelated_history,
    wip_and_fixup,
    with_merges,
    write_starter,
)


def analyse(
    built: Built,
    *,
    seed_commit: str | None = None,
    push_times: Mapping[str, datetime] | None = None,
) -> HistoryResult:
    return analyse_history(
        built.repo,
        built.tip,
        starter_dir=built.starter_dir,
        seed_commit=seed_commit,
        push_times=push_times,
    )


def cap(rule: str) -> float:
    limit = RUBRIC[rule].cap
    assert limit is not None
    return limit


def rules_at(result: HistoryResult, commit: str) -> set[str]:
    return {f.rule for f in result.findings if f.commit == commit}


def only(result: HistoryResult, rule: str) -> Finding:
    matches = [f for f in result.findings if f.rule == rule]
    assert len(matches) == 1, result.findings
    return matches[0]


def at(result: HistoryResult, rule: str, commit: str) -> Finding:
    matches = [f for f in result.findings if f.rule == rule and f.commit == commit]
    assert len(matches) == 1, result.findings
    return matches[0]


def explains(result: HistoryResult) -> bool:
    return abs(BASELINE + sum(f.effect for f in result.findings) - result.score) < 1e-6


@pytest.fixture
def exemplary_score(tmp_path: Path) -> float:
    folder = tmp_path / "exemplary"
    folder.mkdir()
    return analyse(exemplary(folder)).score


# --- whole histories -----------------------------------------------------------------------


def test_exemplary_history_scores_high(tmp_path: Path) -> None:
    built = exemplary(tmp_path)
    result = analyse(built)
    assert result.score >= 80
    assert result.base_commit == built.base
    assert result.commits_considered == 6
    assert all(f.effect >= 0 for f in result.findings), result.findings
    assert not any(f.rule.startswith("timeline.") for f in result.findings)
    assert explains(result)


def test_one_giant_commit_is_penalised(tmp_path: Path, exemplary_score: float) -> None:
    built = one_giant_commit(tmp_path)
    result = analyse(built)
    giant = only(result, "granularity.giant-commit")
    assert giant.commit == built.named["giant"]
    assert giant.effect < 0
    assert "100%" in giant.message
    assert result.score < exemplary_score


def test_wip_and_fixup_commits_are_flagged(tmp_path: Path, exemplary_score: float) -> None:
    built = wip_and_fixup(tmp_path)
    result = analyse(built)
    assert "message.wip" in rules_at(result, built.named["wip"])
    assert rules_at(result, built.named["fixup"]) == {"message.fixup"}
    assert all(f.effect < 0 for f in result.findings if f.rule in ("message.wip", "message.fixup"))
    assert result.score < exemplary_score


def test_committed_virtualenv_is_flagged_once(tmp_path: Path, exemplary_score: float) -> None:
    built = committed_virtualenv(tmp_path)
    result = analyse(built)
    venv = only(result, "hygiene.committed-virtualenv")
    assert venv.commit == built.named["venv"]
    assert "still in the final commit" in venv.message
    assert only(result, "hygiene.not-ignored").effect < 0
    # Its files are not the candidate's work: not bytecode, not churn, not a giant commit.
    assert rules_at(result, built.named["venv"]) == {"hygiene.committed-virtualenv"}
    assert "hygiene.clean" not in {f.rule for f in result.findings}
    assert result.score < exemplary_score


def test_virtualenv_removed_and_ignored_costs_less(tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()
    (tmp_path / "cleaned").mkdir()
    kept = analyse(committed_virtualenv(tmp_path / "kept"))
    built = committed_virtualenv(tmp_path / "cleaned", cleaned_up=True)
    cleaned = analyse(built)
    assert "removed later" in only(cleaned, "hygiene.committed-virtualenv").message
    assert "hygiene.not-ignored" not in {f.rule for f in cleaned.findings}
    assert cleaned.score > kept.score


def test_key_committed_then_deleted_still_counts(tmp_path: Path) -> None:
    built = key_committed_then_deleted(tmp_path)
    result = analyse(built)
    leak = only(result, "secrets.committed")
    assert leak.commit == built.named["leak"]
    assert leak.effect == RUBRIC["secrets.committed"].effect
    assert "upload.py line 2" in leak.message
    assert "deleted later" in leak.message
    assert "AKIA…" in leak.message
    texts = [f.message for f in result.findings] + result.notes
    assert not any(AWS_KEY in text or AWS_KEY[4:] in text for text in texts)
    assert "secrets.clean" not in {f.rule for f in result.findings}


def test_secret_is_blamed_on_the_commit_that_added_it(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "work")
    base = repo.commit("Add starter code", {"README.md": "Starter\n"})
    leak = repo.commit("Add the upload settings", {"upload.py": f'KEY = "{AWS_KEY}"\n'})
    repo.commit("Name the bucket", {"upload.py": f'KEY = "{AWS_KEY}"\nBUCKET = "counts"\n'})
    repo.commit(
        "Move settings to a package",
        {"upload.py": None, "settings/upload.py": f'KEY = "{AWS_KEY}"\nBUCKET = "counts"\n'},
    )
    starter = tmp_path / "starter"
    starter.mkdir()
    (starter / "README.md").write_text("Starter\n")
    result = analyse_history(repo.bare(), repo.git("rev-parse", "HEAD"), starter_dir=starter)
    assert result.base_commit == base
    assert only(result, "secrets.committed").commit == leak


def test_backdated_commits_are_flagged_without_points(tmp_path: Path) -> None:
    built = backdated(tmp_path)
    pushed = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    result = analyse(built, push_times=dict.fromkeys(built.named.values(), pushed))
    flagged = [f for f in result.findings if f.rule == "timeline.dated-before-push"]
    assert {f.commit for f in flagged} == set(built.named.values())
    assert all(f.effect == 0 for f in flagged)
    assert "2024-03-01 12:00 UTC" in flagged[0].message
    assert result.score == analyse(built).score
    assert explains(result)


def test_commit_dated_after_its_push_is_flagged(tmp_path: Path) -> None:
    built = backdated(tmp_path)
    too_early = datetime(2019, 1, 1, tzinfo=UTC)
    result = analyse(built, push_times={built.named["count"]: too_early})
    late = only(result, "timeline.dated-after-push")
    assert late.commit == built.named["count"]
    assert late.effect == 0


def test_commit_dated_in_the_future_is_flagged(tmp_path: Path) -> None:
    built = future_dated(tmp_path)
    result = analyse(built)
    future = only(result, "timeline.future-dated")
    assert future.commit == built.named["future"]
    assert future.effect == 0
    assert "2100-01-01" in future.message


def test_history_not_descending_from_the_starter_is_flagged(tmp_path: Path) -> None:
    built = unrelated_history(tmp_path)
    result = analyse(built)
    flag = only(result, "timeline.not-descended")
    assert flag.effect == 0
    assert flag.commit is None
    assert result.base_commit is None
    assert result.commits_considered == 7  # its own root commit counts too
    assert any("All commits count" in note for note in result.notes)
    assert result.score > 80  # flagged for review, not failed


def test_starter_caches_its_gitignore_ignores_do_not_matter(tmp_path: Path) -> None:
    built = exemplary(tmp_path)
    cache = built.starter_dir / "__pycache__"
    cache.mkdir()
    (cache / "wordfreq.cpython-311.pyc").write_bytes(b"\xa7\r\r\n\0\1")
    assert analyse(built).base_commit == built.base


def test_without_starter_or_seed_every_commit_counts(tmp_path: Path) -> None:
    built = exemplary(tmp_path)
    result = analyse_history(built.repo, built.tip, starter_dir=None)
    assert result.commits_considered == 7
    assert result.base_commit is None
    assert "no starter code was given" in only(result, "timeline.not-descended").message


def test_seed_commit_is_the_start_when_it_is_an_ancestor(tmp_path: Path) -> None:
    built = exemplary(tmp_path)
    assert built.base is not None
    result = analyse(built, seed_commit=built.base)
    assert result.base_commit == built.base
    assert result.commits_considered == 6
    assert any("seed commit" in note for note in result.notes)
    assert "timeline.not-descended" not in {f.rule for f in result.findings}


def test_seed_that_is_not_an_ancestor_is_flagged(tmp_path: Path) -> None:
    built = seed_elsewhere(tmp_path)
    result = analyse(built, seed_commit=built.named["seed"])
    flag = only(result, "timeline.not-descended")
    assert built.named["seed"][:12] in flag.message
    assert result.base_commit == built.base  # the starter match takes over
    assert result.commits_considered == 6


def test_seed_missing_from_the_repository_is_noted(tmp_path: Path) -> None:
    built = exemplary(tmp_path)
    result = analyse(built, seed_commit="f" * 40)
    assert any("not in the repository" in note for note in result.notes)
    assert only(result, "timeline.not-descended").effect == 0
    assert result.base_commit == built.base


def test_merge_commits_are_not_scored_as_messages(tmp_path: Path) -> None:
    built = with_merges(tmp_path)
    result = analyse(built)
    assert result.commits_considered == 5
    assert not rules_at(result, built.named["merge"])
    assert any("merge commit" in note for note in result.notes)
    assert only(result, "message.clean").effect == RUBRIC["message.clean"].effect
    assert only(result, "granularity.commit-count").effect == 6  # four commits, not five


def test_no_commits_of_ones_own_scores_zero(tmp_path: Path) -> None:
    built = exemplary(tmp_path)
    assert built.base is not None
    result = analyse_history(built.repo, built.base, starter_dir=built.starter_dir)
    assert result.commits_considered == 0
    assert only(result, "granularity.no-commits").effect == -BASELINE
    assert result.score == 0
    assert explains(result)


def test_score_is_clamped_and_the_clamp_is_a_finding(tmp_path: Path) -> None:
    built = everything_wrong(tmp_path)
    result = analyse(built)
    assert result.score == 0
    assert only(result, "score.clamped").effect > 0
    assert explains(result)
    rules = rules_at(result, built.named["bad"])
    assert {
        "hygiene.committed-virtualenv",
        "hygiene.committed-node-modules",
        "hygiene.committed-env-file",
        "hygiene.committed-build-output",
        "secrets.committed",
        "granularity.giant-commit",
        "message.wip",
    } <= rules
    secrets = [f for f in result.findings if f.rule == "secrets.committed"]
    assert len(secrets) == 3
    assert sum(f.effect for f in secrets) == -cap("secrets.committed")
    assert not any(GITHUB_TOKEN in f.message or AWS_KEY in f.message for f in result.findings)


@pytest.mark.parametrize(
    "build",
    [
        exemplary,
        one_giant_commit,
        wip_and_fixup,
        committed_virtualenv,
        key_committed_then_deleted,
        backdated,
        unrelated_history,
        with_merges,
        everything_wrong,
    ],
)
def test_effects_explain_the_score(tmp_path: Path, build: Callable[[Path], Built]) -> None:
    result = analyse(build(tmp_path))
    assert explains(result)
    assert 0 <= result.score <= 100
    assert all(f.rule in RUBRIC for f in result.findings)
    assert result.score == round(result.score, 1)


def test_two_thousand_commits_are_read_in_few_git_calls(tmp_path: Path) -> None:
    built = big_history(tmp_path, 2000)
    result = analyse(built)
    assert result.base_commit == built.base
    assert result.commits_considered == 2000
    assert explains(result)
    assert result.score >= 80


# --- single rules --------------------------------------------------------------------------


def test_message_rules(tmp_path: Path) -> None:
    repo, starter = Repo(tmp_path / "work"), write_starter(tmp_path)

    repo.commit("Add starter code", dict(STARTER))
    shas = {
        "imperative": repo.commit("Added the parser", {"a.py": code("a", 4)}),
        "blank": repo.commit("Fix the tokeniser\nwhich split on hyphens", {"b.py": code("b", 4)}),
        "long": repo.commit(
            "Make the counting of words insensitive to case, punctuation and also to accents",
            {"c.py": code("c", 4)},
        ),
        "form": repo.commit("update the readme.", {"README.md": "Readme\n"}),
        "short": repo.commit("Refactoring", {"d.py": code("d", 4)}),
        "body": repo.commit("Implement the counter", {"e.py": code("e", 200)}),
        "conventional": repo.commit("feat(cli): add a --top option", {"f.py": code("f", 4)}),
    }
    result = analyse_history(repo.bare(), shas["conventional"], starter_dir=starter)
    assert rules_at(result, shas["imperative"]) == {"message.imperative"}
    assert 'not "Added"' in at(result, "message.imperative", shas["imperative"]).message
    assert rules_at(result, shas["blank"]) == {"message.blank-line"}
    assert rules_at(result, shas["long"]) == {"message.subject-length"}
    assert rules_at(result, shas["form"]) == {"message.subject-form"}
    form = at(result, "message.subject-form", shas["form"]).message
    assert "lower-case" in form
    assert "trailing punctuation" in form
    assert rules_at(result, shas["short"]) == {"message.subject-short", "message.imperative"}
    assert "message.body-missing" in rules_at(result, shas["body"])
    assert not rules_at(result, shas["conventional"])


def test_caps_limit_a_rule_and_long_lists_are_summed(tmp_path: Path) -> None:
    repo, starter = Repo(tmp_path / "work"), write_starter(tmp_path)
    repo.commit("Add starter code", dict(STARTER))
    for i in range(MAX_LISTED + 5):
        repo.commit(f"WIP step {i}", {f"m{i}.py": code(f"m{i}", 4)})
    result = analyse_history(repo.bare(), repo.git("rev-parse", "HEAD"), starter_dir=starter)
    wip = [f for f in result.findings if f.rule == "message.wip"]
    assert len(wip) == MAX_LISTED + 1
    assert wip[-1].commit is None
    assert "5 more" in wip[-1].message
    assert sum(f.effect for f in wip) == -cap("message.wip")
    assert explains(result)


def test_burst_of_large_commits_is_flagged(tmp_path: Path) -> None:
    repo, starter = Repo(tmp_path / "work"), write_starter(tmp_path)
    repo.commit("Add starter code", dict(STARTER))
    first = repo.commit("Add module 0", {"m0.py": code("m0", 40)}, when=T0 + 3600)
    for i in range(1, 6):
        repo.commit(f"Add module {i}", {f"m{i}.py": code(f"m{i}", 40)}, when=T0 + 3600 + 9 * i)
    result = analyse_history(repo.bare(), repo.git("rev-parse", "HEAD"), starter_dir=starter)
    burst = only(result, "timeline.burst")
    assert burst.commit == first
    assert burst.effect == 0
    assert "6 commits" in burst.message


def test_blob_sha_matches_git(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"hello\n")

    assert blob_sha(b"hello\n") == run_git(["hash-object", "f"], tmp_path)
