"""Python: pytest in the sandbox, the submission in a process of its own by default.

The host side of Python grading: the image's base (the registry's Python, else
the offline base), pytest's commands, the start-up hooks and runner files a
submission may not bring (``conftest.py``, ``sitecustomize.py``, ``.pth``), and
the control tests planted in a fresh copy of the hidden suite for each
grading: tripwires (one first in every module, the first of them must fail)
and mirrors of cheap real tests (``grader.mirrors``). The sandbox's side is
``grader/runner/suite_python.py``.
"""

from __future__ import annotations

import ast
import functools
import random
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from grader import mirrors
from grader.languages.base import Base, Isolation, Language, LanguageSupport, hidden_args
from grader.tripwires import MAX_MIRRORS, Tripwire, cheap_tests, control_name

TEST_DEF = re.compile(r"^def (test_\w+)\(", re.MULTILINE)


def _python_body(rng: random.Random, must_pass: bool) -> str:
    values = [rng.randint(2, 999) for _ in range(rng.randint(3, 6))]
    total = sum(values) if must_pass else sum(values) + rng.randint(1, 9)
    return f"    values = {values!r}\n    assert sum(values) == {total}\n"


FIRST_TEST = re.compile(r"^(?:@|def test|async def test|class Test)", re.MULTILINE)


def _insert_first(source: str, snippet: str) -> str:
    """``snippet`` just before the module's first test (its decorators included), so it runs
    first; appended at the end if no safe place is found."""

    match = FIRST_TEST.search(source)
    if match:
        candidate = source[: match.start()] + snippet + "\n\n" + source[match.start() :]
        try:
            ast.parse(candidate)
            return candidate
        except SyntaxError:
            pass
    return source.rstrip("\n") + "\n\n\n" + snippet


def plant_python(
    hidden_copy: Path,
    test_ids: Iterable[str],
    count: int = 2,
    durations: Mapping[str, float] | None = None,
) -> list[Tripwire]:
    """Plant tripwires in a hidden copy: one as the first test of every test module (the
    first of them must fail), then more at module ends up to ``count`` in all, and mirrors
    of cheap real tests (``durations``: each test's time under the reference solution).

    A tripwire that runs first in its module has a result whenever any test of that
    module has one; results/_check_tampering relies on it.
    """
    rng = random.Random(secrets.randbits(64))
    modules = sorted(p for p in hidden_copy.rglob("test_*.py") if p.is_file())
    if not modules:
        return []
    known = {test_id.split("::")[-1].split("[")[0] for test_id in test_ids}
    planted: list[Tripwire] = []
    planted += _plant_mirrors(hidden_copy, modules, known, rng, cheap_tests(durations or {}))
    targets = [*modules, *(rng.choice(modules) for _ in range(max(count - len(modules), 0)))]
    for index, module in enumerate(targets):
        source = module.read_text(encoding="utf-8")
        taken = known | set(TEST_DEF.findall(source))
        name = control_name(rng, taken)
        must_pass = index > 0 and rng.random() < 0.5
        snippet = f"def {name}():\n" + _python_body(rng, must_pass)
        if index < len(modules):
            source = _insert_first(source, snippet)
        else:
            source = source.rstrip("\n") + "\n\n\n" + snippet
        module.write_text(source, encoding="utf-8")
        relative = module.relative_to(hidden_copy.parent).as_posix()
        expected = "passed" if must_pass else "failed"
        planted.append(Tripwire(f"{relative}::{name}", expected, first=index < len(modules)))
    return planted


def _eligible(cheap: Callable[[str], bool], module: str, name: str) -> bool:
    return cheap(f"{module}::{name}")


def _plant_mirrors(
    hidden_copy: Path,
    modules: list[Path],
    known: set[str],
    rng: random.Random,
    cheap: Callable[[str], bool],
) -> list[Tripwire]:
    """Copies of cheap real tests with a changed expected value (grader.mirrors): must not
    pass."""
    planted: list[Tripwire] = []
    for module in rng.sample(modules, len(modules)):
        if len(planted) >= MAX_MIRRORS:
            break
        source = module.read_text(encoding="utf-8")
        taken = known | set(TEST_DEF.findall(source))
        relative = module.relative_to(hidden_copy.parent).as_posix()
        found = mirrors.mirrors(
            source,
            functools.partial(control_name, rng, taken),
            rng,
            eligible=functools.partial(_eligible, cheap, relative),
        )
        if not found:
            continue
        module.write_text(mirrors.insert(source, found), encoding="utf-8")
        planted += [Tripwire(f"{relative}::{m.name}", "not-passed") for m in found]
    return planted


def plant(
    hidden_copy: Path, test_ids: Sequence[str], durations: Mapping[str, float]
) -> list[Tripwire]:
    return plant_python(hidden_copy, test_ids, durations=durations)


SUPPORT = LanguageSupport(
    language=Language.PYTHON,
    isolations=(Isolation.PROCESS, Isolation.SHARED),
    base=Base(),
    run_command="pytest",
    collect_command="collect",
    suite_args=hidden_args,
    plant=plant,
    neutralised_names=frozenset({"conftest.py", "sitecustomize.py", "usercustomize.py"}),
    neutralised_suffixes=(".pth",),
    runner_status_exact=True,
    every_test_reported=True,
)
