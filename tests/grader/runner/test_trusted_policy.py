"""The trusted process's refusals: no frame, code or runner object of the tests' process reached."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "grader" / "runner"))

import grader_trusted_policy as policy


def _generator() -> Any:
    yield 1


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (sys._getframe(), {"op": "getattr", "name": "f_back"}),
        (sys._getframe().f_code, {"op": "getattr", "name": "co_consts"}),
        (_generator(), {"op": "getattr", "name": "gi_frame"}),
        (_generator(), {"op": "setattr", "name": "gi_running"}),
        (pytest.MonkeyPatch(), {"op": "call"}),
        (pytest.MonkeyPatch(), {"op": "getattr", "name": "setattr"}),
    ],
    ids=["frame", "code", "generator-frame", "generator-set", "pytest-call", "pytest-attr"],
)
def test_the_tests_frames_and_the_runners_objects_are_refused(
    target: Any, message: dict[str, Any]
) -> None:
    assert policy._refusal(target, message)


@pytest.mark.parametrize("name", ["send", "throw", "close"])
def test_a_tests_generator_can_still_be_driven(name: str) -> None:
    assert policy._refusal(_generator(), {"op": "getattr", "name": name}) is None
    assert policy._refusal(_generator(), {"op": "next"}) is None
    assert policy._refusal(Path("/tmp"), {"op": "getattr", "name": "name"}) is None
