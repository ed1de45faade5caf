"""Challenges: the manifest, loading from a folder or git, and test -> skill mapping.

A challenge is a folder (or a git repository) with challenge.toml,
statement.md, starter/, solution/ and hidden/ (see docs/challenges.md).
Loading reports *every* problem it finds, each with the file and field, so an
author fixes them in one pass: root causes first (an unknown field before the
required one it misspells, a test pattern that matches nothing before the tests
it leaves unclaimed), with a suggestion where one is likely (manifest_hints.py).
A manifest whose problems still let its suite run carries the challenge in
``ChallengeInvalid.runnable``, so validation can go on and report the suite's
problems in the same pass.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.config import MAX_CPUS, MAX_MEMORY_MB, MAX_TIMEOUT_S
from grader.errors import BadInput, ChallengeInvalid
from grader.feedback import FeedbackPolicy, parse_feedback
from grader.flaky_policy import FlakyPolicy, parse_policy
from grader.hosting.deadlines import DEFAULTS_KEYS, DeadlineDefaults, parse_defaults
from grader.languages import LANGUAGES, Isolation, Language, support
from grader.manifest_hints import corrected_glob, did_you_mean, quoted, toml_problem
from grader.manifest_values import MANIFEST, read_number
from grader.services import ServiceRequest, parse_services
from grader.similarity_policy import SimilarityOptions, parse_similarity

SKILLS = (
    "programming",
    "databases",
    "api_design",
    "architecture",
    "security",
    "performance",
    "version_control",
    "testing",
)
TEST_SKILLS = tuple(s for s in SKILLS if s != "version_control")
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
REQUIRED_ENTRIES = ("statement.md", "starter", "solution", "hidden")


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 60.0
    memory_mb: int = 512
    cpus: float = 1.0


@dataclass(frozen=True)
class SkillSpec:
    name: str
    weight: float
    tests: tuple[str, ...]


@dataclass(frozen=True)
class Challenge:
    root: Path
    id: str
    title: str
    language: Language
    limits: Limits
    skills: tuple[SkillSpec, ...]
    version_control_weight: float = 1.0
    packages: tuple[str, ...] = ()
    commit: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    isolation: Isolation = Isolation.PROCESS
    services: tuple[ServiceRequest, ...] = ()  # sidecars, fresh for each grading
    # Which failed tests are rerun, and how their runs decide (grader/flaky.py).
    flaky: FlakyPolicy = field(default_factory=FlakyPolicy)
    review_blind: bool = False  # [review] blind: reviewers see pseudonyms (api/identity.py)
    feedback: FeedbackPolicy = field(default_factory=FeedbackPolicy)  # [feedback]
    deadline: DeadlineDefaults = field(default_factory=DeadlineDefaults)  # invitations' default
    similarity: SimilarityOptions = field(default_factory=SimilarityOptions)

    @property
    def hidden_dir(self) -> Path:
        return self.root / "hidden"

    def skill_of(self, test_id: str) -> str | None:
        """The one skill a test belongs to; None if no skill or several claim it."""
        owners = self.owners(test_id)
        return owners[0] if len(owners) == 1 else None

    def owners(self, test_id: str) -> list[str]:
        return [s.name for s in self.skills if any(_matches(test_id, g) for g in s.tests)]

    def mapping_problems(self, test_ids: Iterable[str]) -> list[str]:
        """Every test must belong to exactly one skill; every glob must match a test.

        Root causes first: a glob that matches no test, with the one it probably
        meant; the unclaimed tests that one would claim are not listed again."""
        ids = list(test_ids)
        problems, explained = self._idle_glob_problems(ids)
        for test_id in ids:
            owners = self.owners(test_id)
            if not owners and test_id not in explained:
                problems.append(f"{MANIFEST}: test {test_id} is matched by no skill's tests")
            elif len(owners) > 1:
                problems.append(
                    f"{MANIFEST}: test {test_id} is matched by several skills: " + ", ".join(owners)
                )
        for glob in self.flaky.tests:  # a rerun glob that matches nothing protects nothing
            if not any(_matches(t, glob) for t in ids):
                meant = corrected_glob(glob, ids, _matches)
                hint = f" (did you mean {quoted(meant)}?)" if meant else ""
                problems.append(f"{MANIFEST}: flaky.tests: {quoted(glob)} matches no test{hint}")
        return problems + self.feedback.glob_problems(ids)

    def _idle_glob_problems(self, ids: list[str]) -> tuple[list[str], set[str]]:
        """The globs that match no test, and the unclaimed tests their corrections explain."""
        problems: list[str] = []
        explained: set[str] = set()
        for skill in self.skills:
            for glob in skill.tests:
                if any(_matches(t, glob) for t in ids):
                    continue
                meant = corrected_glob(glob, ids, _matches) or ""
                # Likely only if it claims tests the typo left unclaimed.
                claims = [t for t in ids if meant and _matches(t, meant) and not self.owners(t)]
                explained.update(claims)
                hint = (
                    f" (did you mean {quoted(meant)}? it would claim {len(claims)} test(s) "
                    "no skill claims)"
                    if claims
                    else ""
                )
                problems.append(
                    f"{MANIFEST}: skills.{skill.name}.tests: {quoted(glob)} matches no test{hint}"
                )
        return problems, explained

    def content_hash(self) -> str:
        """A hash of everything that decides a grade: manifest, hidden suite, solution."""
        h = hashlib.sha256()
        for part in (MANIFEST, "hidden", "solution"):
            path = self.root / part
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                if "__pycache__" in file.parts:
                    continue
                h.update(str(file.relative_to(self.root)).encode() + b"\0")
                h.update(hashlib.sha256(file.read_bytes()).digest())
        return h.hexdigest()[:16]


def _matches(test_id: str, glob: str) -> bool:
    # An exact ID such as test_n[1000] must match itself, although fnmatch would
    # read its brackets as a character class.
    return test_id == glob or fnmatch.fnmatchcase(test_id, glob)


def load_challenge(root: Path, commit: str | None = None) -> Challenge:
    """Load and check a challenge folder; raises ChallengeInvalid listing every problem."""
    if not root.is_dir():
        raise BadInput(f"challenge not found: {root} is not a folder")
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise ChallengeInvalid([f"{root}: no {MANIFEST}"])
    try:
        text = manifest_path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ChallengeInvalid([f"{MANIFEST}: not UTF-8: {exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ChallengeInvalid([f"{MANIFEST}: not valid TOML: {toml_problem(text, exc)}"]) from exc
    problems: list[str] = []
    challenge = _parse(root, data, problems, commit)
    missing = [
        f"{root.name}: missing {entry}" for entry in REQUIRED_ENTRIES if not (root / entry).exists()
    ]
    if problems or missing or challenge is None:
        raise ChallengeInvalid(problems + missing, runnable=None if missing else challenge)
    return challenge


KNOWN_KEYS = {
    "": {
        "id",
        "title",
        "language",
        "limits",
        "version_control",
        "environment",
        "skills",
        "description",
        "tags",
        "difficulty",
        "grading",
        "services",
        "flaky",
        "review",
        "feedback",
        "deadline",
        "similarity",
    },
    "grading": {"isolation"},
    "limits": {"timeout_s", "memory_mb", "cpus"},
    "version_control": {"weight"},
    "environment": {"packages"},
    "skills": {"name", "weight", "tests"},
    "review": {"blind"},
    "deadline": set(DEFAULTS_KEYS),
    "similarity": {"threshold", "exclude"},
}


def _unknown(table: dict[str, Any], section: str, problems: list[str], where: str) -> None:
    for key in sorted(set(table) - KNOWN_KEYS[section]):
        hint = did_you_mean(key, KNOWN_KEYS[section] - set(table))
        problems.append(f"{MANIFEST}: {where}{key}: unknown field{hint}")


def _parse(
    root: Path, data: dict[str, Any], problems: list[str], commit: str | None
) -> Challenge | None:
    """Append every problem to ``problems``; the challenge whenever its suite can still run
    (its id, language, limits, environment, grading and services are sound, and it declares
    skills), even if other problems remain."""
    _unknown(data, "", problems, "")  # a misspelled key first: it explains a missing one
    run: list[str] = []  # the problems that keep the suite from running at all
    rest: list[str] = []
    challenge_id = _require_str(data, "id", run)
    if challenge_id and not ID_PATTERN.fullmatch(challenge_id):
        run.append(f"{MANIFEST}: id: {challenge_id!r} must match [a-z0-9][a-z0-9-]*")
    title = _require_str(data, "title", rest)
    language = _require_str(data, "language", run)
    if language and language not in LANGUAGES:
        run.append(
            f"{MANIFEST}: language: {language!r} has no sandbox image "
            f"(known: {', '.join(LANGUAGES)})"
        )
        language = ""
    limits = _parse_limits(_table(data, "limits", run), run)
    vc_weight = read_number(
        _table(data, "version_control", rest),
        "weight",
        1.0,
        rest,
        "version_control.",
        minimum=0.0,
        allow_zero=True,
    )
    packages = _parse_packages(_table(data, "environment", run), run)
    skills = _parse_skills(data.get("skills"), rest)
    isolation = _parse_isolation(_table(data, "grading", run), language, run)
    services = _parse_services(data.get("services", {}), run)
    flaky = parse_policy(data.get("flaky", {}), MANIFEST, rest)
    blind = _parse_review(_table(data, "review", rest), rest)
    feedback = parse_feedback(data.get("feedback"), rest)
    deadline = parse_defaults(_table(data, "deadline", rest), MANIFEST, rest)
    similarity = parse_similarity(_table(data, "similarity", rest), rest)
    problems += run + rest
    if run or not skills:
        return None
    return Challenge(
        root=root.resolve(),
        id=challenge_id,
        title=title,
        language=Language(language),
        limits=limits,
        skills=skills,
        version_control_weight=vc_weight,
        packages=packages,
        commit=commit,
        isolation=isolation,
        services=services,
        flaky=flaky,
        review_blind=blind,
        feedback=feedback,
        deadline=deadline,
        similarity=similarity,
    )


def _parse_services(table: Any, problems: list[str]) -> tuple[ServiceRequest, ...]:
    if not isinstance(table, dict):
        problems.append(f"{MANIFEST}: [services] must be a table")
        return ()
    return parse_services(table, MANIFEST, problems)


def _parse_isolation(table: dict[str, Any], language: str, problems: list[str]) -> Isolation:
    """Each language's default (Python: ``process``, Node: ``shared``, ``process`` on
    request); docs/sandbox.md says why Java has only ``shared``. Without a known language
    only the value's form is checked."""
    allowed = support(language).isolations if language else tuple(Isolation)
    default = allowed[0]
    value = table.get("isolation", default.value)
    if value not in {i.value for i in Isolation}:
        problems.append(
            f"{MANIFEST}: grading.isolation: {value!r} is not one of "
            f"{', '.join(i.value for i in Isolation)}"
        )
        return default
    if value not in allowed:
        problems.append(
            f"{MANIFEST}: grading.isolation: {value!r} is not available for {language}; "
            f"{language} challenges are graded {' or '.join(repr(i.value) for i in allowed)}"
        )
        return default
    return Isolation(value)


def _require_str(data: dict[str, Any], key: str, problems: list[str]) -> str:
    value = data.get(key)
    if value is None:
        problems.append(f"{MANIFEST}: {key}: required field is missing")
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{MANIFEST}: {key}: must be a non-empty string")
        return ""
    return value


def _table(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{MANIFEST}: [{key}] must be a table")
        return {}
    _unknown(value, key, problems, f"{key}.")
    return value


def _parse_limits(table: dict[str, Any], problems: list[str]) -> Limits:
    return Limits(
        timeout_s=read_number(table, "timeout_s", 60, problems, "limits.", 0, MAX_TIMEOUT_S),
        memory_mb=int(read_number(table, "memory_mb", 512, problems, "limits.", 31, MAX_MEMORY_MB)),
        cpus=read_number(table, "cpus", 1.0, problems, "limits.", 0, MAX_CPUS),
    )


def _parse_packages(table: dict[str, Any], problems: list[str]) -> tuple[str, ...]:
    packages = table.get("packages", [])
    if not isinstance(packages, list) or not all(
        isinstance(p, str) and p.strip() for p in packages
    ):
        problems.append(f"{MANIFEST}: environment.packages: must be a list of package specifiers")
        return ()
    for spec in packages:
        if spec.lstrip().startswith("-"):
            problems.append(f"{MANIFEST}: environment.packages: {spec!r} looks like an option")
    return tuple(p.strip() for p in packages)


def _parse_skills(raw: Any, problems: list[str]) -> tuple[SkillSpec, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{MANIFEST}: [[skills]]: at least one skill is required")
        return ()
    skills: list[SkillSpec] = []
    seen: set[str] = set()
    for index, table in enumerate(raw):
        where = f"skills[{index}]."
        if not isinstance(table, dict):
            problems.append(f"{MANIFEST}: {where[:-1]}: must be a table")
            continue
        _unknown(table, "skills", problems, where)
        name = table.get("name")
        if name == "version_control":
            problems.append(
                f"{MANIFEST}: {where}name: version_control comes from the git history; "
                "set its weight under [version_control] instead"
            )
        elif name not in TEST_SKILLS:
            hint = did_you_mean(name, TEST_SKILLS) if isinstance(name, str) else ""
            problems.append(
                f"{MANIFEST}: {where}name: unknown skill {quoted(str(name))}"
                + (hint or f" (one of {', '.join(TEST_SKILLS)})")
            )
        elif name in seen:
            problems.append(f"{MANIFEST}: {where}name: skill {name!r} is declared twice")
        weight = read_number(table, "weight", 1.0, problems, where, 0)
        tests = table.get("tests")
        if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
            problems.append(f"{MANIFEST}: {where}tests: must be a non-empty list of test-ID globs")
            tests = []
        if isinstance(name, str):
            seen.add(name)
            skills.append(SkillSpec(name=name, weight=weight, tests=tuple(tests)))
    return tuple(skills)


def _parse_review(table: dict[str, Any], problems: list[str]) -> bool:
    """[review] blind: whether reviewers see pseudonyms instead of identities (default false)."""
    value = table.get("blind", False)
    if not isinstance(value, bool):
        problems.append(f"{MANIFEST}: review.blind: must be true or false, not {value!r}")
        return False
    return value
