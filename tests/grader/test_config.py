"""The settings object: given values over GRADER_* variables over defaults, all validated."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from grader.config import Settings, environment_values


def test_a_grader_variable_sets_its_field_whatever_its_case(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRADER_PIDS_LIMIT", "300")
    monkeypatch.setenv("grader_validate_contention", "false")
    settings = Settings()
    assert settings.pids_limit == 300
    assert settings.validate_contention is False


def test_a_value_given_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRADER_PIDS_LIMIT", "300")
    assert Settings(pids_limit=64).pids_limit == 64


def test_an_unsafe_value_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRADER_PIDS_LIMIT", "5")
    with pytest.raises(ValidationError, match="pids_limit"):
        Settings()


def test_a_variable_that_names_no_setting_is_ignored(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRADER_NO_SUCH_SETTING", "x")
    monkeypatch.setenv("GRADER_TEST_POSTGRES_URL", "postgresql://elsewhere/db")
    assert not hasattr(Settings(), "no_such_setting")


def test_folders_are_absolute_even_as_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("GRADER_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().data_dir == tmp_path.resolve() / ".grader"
    monkeypatch.setenv("GRADER_DATA_DIR", "relative/data")
    assert Settings().data_dir == tmp_path.resolve() / "relative" / "data"


def test_only_prefixed_variables_are_read():
    environ = {"GRADER_REDIS_URL": "redis://x", "REDIS_URL": "redis://y", "PATH": "/bin"}
    assert environment_values(environ) == {"redis_url": "redis://x"}
