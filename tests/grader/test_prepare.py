"""Preparing a challenge: its inventory of tests, and their times under the reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.challenge import load_challenge
from grader.config import Settings
from grader.prepare import inventory, prepare
from tests.conftest import WORD_FREQUENCY

pytestmark = pytest.mark.docker


def test_the_inventory_times_every_test_against_the_solution(
    docker_services: tuple[object, object], settings: Settings
) -> None:
    builder, sandbox = docker_services
    prepared = prepare(load_challenge(WORD_FREQUENCY), builder, sandbox, settings)  # type: ignore[arg-type]
    assert set(prepared.durations) == set(prepared.test_ids)
    perf = [t for t in prepared.test_ids if "test_perf.py" in t]
    basic = [t for t in prepared.test_ids if "test_basic.py" in t]
    # The performance tests do real work; the basic ones call a function on a short string.
    assert min(prepared.durations[t] for t in perf) > max(prepared.durations[t] for t in basic)


def test_the_inventory_is_cached_per_challenge_version(
    docker_services: tuple[object, object], settings: Settings, tmp_path: Path
) -> None:
    builder, sandbox = docker_services
    challenge = load_challenge(WORD_FREQUENCY)
    image = builder.for_language("python")  # type: ignore[attr-defined]
    first = inventory(challenge, image, sandbox, settings)  # type: ignore[arg-type]

    class NoSandbox:
        def run(self, job: object) -> object:
            raise AssertionError("a cached inventory runs nothing")

    again = inventory(challenge, image, NoSandbox(), settings)  # type: ignore[arg-type]
    assert again == first
