"""Cards of past preparations: a guess that is read back exactly, or not at all."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from grader import prestart_card
from grader.challenge import Limits
from grader.config import Settings
from grader.sandbox import SandboxJob
from grader.services import ServiceKind, ServiceRequest

JOB = SandboxJob(
    image="grader-python:abc",
    workspace_tar=b"",
    hidden_dir=Path("/challenges/x/hidden"),
    limits=Limits(timeout_s=30.0, memory_mb=256, cpus=1.5),
    command="pytest",
    args=("hidden",),
    isolation="process",
    labels={"grader.purpose": "grading", "grader.challenge": "x"},
)


def test_a_saved_job_is_read_back_equal(settings: Settings) -> None:
    prestart_card.save(settings, "x", JOB)
    assert prestart_card.load(settings, "x") == JOB
    assert prestart_card.load(settings, "y") is None  # another argument, no card


def test_the_same_argument_from_another_folder_is_another_card(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--challenge ./x` means another folder when run from elsewhere."""
    prestart_card.save(settings, "./x", JOB)
    monkeypatch.chdir(tmp_path)
    assert prestart_card.load(settings, "./x") is None


def test_a_job_with_services_gets_no_card_and_forgets_the_old_one(settings: Settings) -> None:
    prestart_card.save(settings, "x", JOB)
    redis = ServiceRequest(ServiceKind.REDIS, "7")
    with_services = dataclasses.replace(JOB, services=(redis,))
    prestart_card.save(settings, "x", with_services)
    assert prestart_card.load(settings, "x") is None


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        {"version": 99},
        {"image": 7},
        {"labels": {"a": 1}},
        {"args": "hidden"},
        {"limits": {"timeout_s": "soon", "memory_mb": 1, "cpus": 1}},
        {"limits": None},
    ],
)
def test_a_malformed_card_is_no_card(settings: Settings, content: str | dict[str, Any]) -> None:
    prestart_card.save(settings, "x", JOB)
    path = prestart_card.card_path(settings, "x")
    if isinstance(content, dict):  # a saved card with these fields changed
        content = json.dumps({**json.loads(path.read_text()), **content})
    path.write_text(content)
    assert prestart_card.load(settings, "x") is None


def test_a_card_missing_a_field_is_no_card(settings: Settings) -> None:
    prestart_card.save(settings, "x", JOB)
    path = prestart_card.card_path(settings, "x")
    card = json.loads(path.read_text())
    del card["hidden_dir"]
    path.write_text(json.dumps(card))
    assert prestart_card.load(settings, "x") is None


def test_an_unwritable_folder_means_no_card_and_no_error(settings: Settings) -> None:
    folder = settings.data_dir / prestart_card.FOLDER
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the folder should be")
    prestart_card.save(settings, "x", JOB)
    assert prestart_card.load(settings, "x") is None
    assert os.path.isfile(folder)
