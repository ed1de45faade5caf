"""What the grader needs to know about a language, as one record: ``LanguageSupport``.

Every language-specific decision on the host is a field or a function of this
record (the image's base, the sandbox runner's command and arguments, which
files of a submission are neutralised, how control tests are planted, how
strictly the runner's results are checked). Code outside ``grader.languages``
asks the record and never compares a language's name; adding a language is one
module here, its ``sandbox_images/<language>/`` folder and its runner in
``grader/runner/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from grader.tripwires import Tripwire


class Language(StrEnum):
    """The languages a challenge can be written in (``language`` in challenge.toml)."""

    PYTHON = "python"
    NODE = "node"
    JAVA = "java"


class Isolation(StrEnum):
    """Where the submission's code runs relative to the code that decides outcomes.

    ``process``: in a process of its own under another uid; the hidden tests
    reach it through proxies (Python only; the guarantee of docs/sandbox.md).
    ``shared``: in the test process, as pytest, node:test and JUnit normally run
    it; only the tripwires and the exit-status checks guard the outcomes."""

    PROCESS = "process"
    SHARED = "shared"


# hidden copy, expected test IDs, each test's time under the reference solution -> planted
Planter = Callable[[Path, Sequence[str], Mapping[str, float]], list[Tripwire]]


@dataclass(frozen=True)
class Base:
    """Where a language image's base comes from.

    ``packages`` empty: the registry's Python base where it can be pulled, else the
    grader's own debootstrap base (``offline`` forces the latter: the registry's
    Python image lacks what the language needs). ``packages`` set: an image of
    Debian's own packages, built with debootstrap and named ``name``."""

    offline: bool = False
    name: str = ""
    packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class LanguageSupport:
    """One language, as the grader's host side sees it."""

    language: Language
    # The isolations a challenge may ask for; the first is the default.
    isolations: tuple[Isolation, ...]
    base: Base
    # The sandbox runner's command (runner/supervise.py) for a grading run, and for a
    # collect-only run where the runner has one (else the inventory is a full run).
    run_command: str
    collect_command: str | None
    # The runner's arguments besides its command, from the hidden suite's folder.
    suite_args: Callable[[Path], tuple[str, ...]]
    # Control tests (tripwires and mirrors) planted in a fresh copy of the hidden suite.
    plant: Planter
    # A submission's files that would configure the runner are left out of its tree.
    neutralised_names: frozenset[str] = frozenset()
    neutralised_suffixes: tuple[str, ...] = ()
    # The runner's own exit status must equal the test process's (pytest's does; Node's
    # runner may legitimately differ).
    runner_status_exact: bool = False
    # A run that ended normally reported every test of every module that loaded,
    # control tests included (pytest, JUnit; node:test does not promise it).
    every_test_reported: bool = False

    @property
    def default_isolation(self) -> Isolation:
        return self.isolations[0]


def hidden_args(_hidden_dir: Path) -> tuple[str, ...]:
    """The runner finds the suite itself in the mounted ``hidden/`` folder."""
    return ("hidden",)
