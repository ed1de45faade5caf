"""Preparing a challenge for grading: locate it, build its image, know its tests.

Done once per challenge version (by validate/add, or by the CLI before a
first grading), never while a queued candidate waits:

- ``locate_challenge``: a folder, a catalogue id, or a git URL (cloned once
  per commit into the data folder);
- ``PreparedChallenge``: the challenge with its sandbox image and its
  inventory, the hidden test IDs found by collecting the suite against the
  reference solution, and each test's time in one run of the suite against it
  (the grader's mirror tripwires copy only cheap tests), cached per
  (challenge content, image).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader import git
from grader.challenge import Challenge, load_challenge
from grader.config import Settings
from grader.errors import BadInput, ChallengeInvalid, RepositoryError
from grader.fetch import FetchPolicy, locate
from grader.images import ImageBuilder, PackageNotFound, SandboxImage, environment_image
from grader.languages import support
from grader.results import collected_ids, parse_records
from grader.sandbox import RunArtifacts, Sandbox, SandboxJob
from grader.workspace import Workspace, folder_entries_tar

log = logging.getLogger("grader.prepare")


@dataclass(frozen=True)
class PreparedChallenge:
    challenge: Challenge
    image: SandboxImage
    test_ids: list[str]
    # test ID -> seconds in one run against the reference solution; empty when unknown
    durations: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Inventory:
    test_ids: list[str]
    durations: dict[str, float]


def locate_challenge(spec: str, settings: Settings) -> Challenge:
    """A challenge from a folder path, a catalogue id, or a git URL."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return _from_folder(path)
    catalogue = settings.challenges_dir / spec
    if "/" not in spec and catalogue.is_dir():
        return _from_folder(catalogue)
    if "://" in spec:
        return _from_git(spec, settings)
    raise BadInput(f"challenge not found: {spec} (not a folder, a catalogue id or a git URL)")


def _from_folder(path: Path) -> Challenge:
    return load_challenge(path, commit=git.head_commit(path))


def _from_git(url: str, settings: Settings) -> Challenge:
    location = locate(url, FetchPolicy(allow_local=True))
    cache = settings.subdir("challenge-cache") / hashlib.sha256(url.encode()).hexdigest()[:16]
    with tempfile.TemporaryDirectory(dir=settings.subdir("tmp")) as tmp:
        try:
            commit = git.checkout_clone(
                location.url, Path(tmp) / "c", location.protocols, settings.clone_timeout_s
            )
        except RepositoryError as exc:
            raise BadInput(f"challenge repository {url}: {exc}") from exc
        target = cache / commit
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / "c"), target)
    return load_challenge(target, commit=commit)


def image_for(challenge: Challenge, builder: ImageBuilder) -> SandboxImage:
    language = builder.for_language(challenge.language)
    if not challenge.packages:
        return language
    try:
        return environment_image(builder, language, challenge.packages)
    except PackageNotFound as exc:
        raise ChallengeInvalid([str(exc)]) from exc


def inventory(
    challenge: Challenge, image: SandboxImage, sandbox: Sandbox, settings: Settings
) -> Inventory:
    """The hidden suite's test IDs and times against the reference solution (cached).

    Where the runner can collect without running (pytest), the IDs come from a
    collect-only run and the times from a full one; otherwise one full run gives both."""
    cache = settings.subdir("inventory") / (
        f"{challenge.id}-{challenge.content_hash()}-{image.image_id.split(':')[-1][:12]}.v2.json"
    )
    if cache.exists():
        saved = json.loads(cache.read_text())
        return Inventory(list(saved["test_ids"]), dict(saved["durations"]))
    workspace = folder_entries_tar(challenge.root / "solution", challenge.language)
    collects = support(challenge.language).collect_command is not None
    artifacts = _run_solution(challenge, image, sandbox, workspace, collect=collects)
    if collects:
        ids, errors = collected_ids(artifacts)
    else:
        ids, errors = list(parse_records(artifacts.records).results), {}
    _check_inventory(challenge, ids, errors, artifacts.supervisor_error)
    timed = _run_solution(challenge, image, sandbox, workspace) if collects else artifacts
    found = Inventory(ids, _durations(timed, ids))
    cache.write_text(json.dumps({"test_ids": found.test_ids, "durations": found.durations}))
    return found


def suite_job(
    challenge: Challenge,
    image: SandboxImage,
    workspace_tar: bytes,
    hidden_dir: Path,
    purpose: str,
    *,
    collect: bool = False,
) -> SandboxJob:
    """The sandbox job that runs ``hidden_dir`` against a working tree, with the
    challenge's runner, limits, isolation and services (``collect``: list the tests only)."""
    language = support(challenge.language)
    command = language.collect_command if collect else language.run_command
    if command is None:
        raise ValueError(f"{challenge.language} has no collect-only run")
    return SandboxJob(
        image=image.reference,
        workspace_tar=workspace_tar,
        hidden_dir=hidden_dir,
        limits=challenge.limits,
        command=command,
        args=language.suite_args(hidden_dir),
        labels={"grader.purpose": purpose, "grader.challenge": challenge.id},
        isolation=challenge.isolation.value,
        services=challenge.services,
    )


def _run_solution(
    challenge: Challenge,
    image: SandboxImage,
    sandbox: Sandbox,
    workspace: Workspace,
    collect: bool = False,
) -> RunArtifacts:
    """The hidden suite against the reference solution."""
    hidden = challenge.hidden_dir
    return sandbox.run(
        suite_job(challenge, image, workspace.tar, hidden, "inventory", collect=collect)
    )


def _check_inventory(
    challenge: Challenge, ids: list[str], errors: dict[str, str], supervisor_error: str | None
) -> None:
    if errors:
        raise ChallengeInvalid(
            [
                f"hidden/: {path} fails to load against the solution: "
                f"{message.strip().splitlines()[-1] if message.strip() else ''}"
                for path, message in errors.items()
            ]
        )
    if not ids:
        raise ChallengeInvalid(
            [
                "hidden/: no tests were found"
                + (f" ({supervisor_error})" if supervisor_error else "")
            ]
        )
    problems = challenge.mapping_problems(ids)
    if problems:
        raise ChallengeInvalid(problems)


def _durations(artifacts: RunArtifacts, ids: list[str]) -> dict[str, float]:
    """Each test's time, or nothing if the run did not complete: partial times would make
    the tests that did not run look cheap."""
    results = parse_records(artifacts.records).results
    if artifacts.supervisor_error or artifacts.timed_out or any(i not in results for i in ids):
        log.warning("no test times for this challenge: its solution's run did not complete")
        return {}
    return {test_id: results[test_id].duration_s for test_id in ids}


def prepare(
    challenge: Challenge, builder: ImageBuilder, sandbox: Sandbox, settings: Settings
) -> PreparedChallenge:
    image = image_for(challenge, builder)
    for request in challenge.services:  # built now, never while a candidate waits
        builder.service_image(request.kind.value)
    found = inventory(challenge, image, sandbox, settings)
    return PreparedChallenge(challenge, image, found.test_ids, found.durations)
