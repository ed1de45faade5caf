"""The Docker boundary's own decisions, on fake containers (no engine needed)."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import docker
import pytest
import requests.exceptions

from grader.engine import OWNER_LABEL, Engine
from grader.engine.client import ExitWatch
from grader.errors import InfrastructureError


@dataclass
class Response:
    status_code: int
    reason: str = ""
    url: str = "http+docker://localhost/containers/abc"


class Container:
    short_id = "abc123"

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def remove(self, force: bool, v: bool) -> None:
        if self.error is not None:
            raise self.error


def api_error(status: int, explanation: str) -> docker.errors.APIError:
    return docker.errors.APIError("refused", response=Response(status), explanation=explanation)  # type: ignore[arg-type]


def engine() -> Engine:
    return Engine.__new__(Engine)  # _remove needs no connection


@pytest.mark.parametrize(
    "error",
    [
        None,
        docker.errors.NotFound("gone"),
        api_error(409, "removal of container abc is already in progress"),
    ],
)
def test_a_sandbox_gone_or_being_removed_by_another_counts_as_removed(
    error: Exception | None,
) -> None:
    engine().remove(Container(error))


@pytest.mark.parametrize(
    "error",
    [
        api_error(409, "container abc is paused"),
        api_error(500, "driver failed to remove root filesystem"),
        docker.errors.DockerException("connection refused"),
    ],
)
def test_any_other_removal_failure_is_reported(error: Exception) -> None:
    with pytest.raises(InfrastructureError, match="removing sandbox abc123"):
        engine().remove(Container(error))


class Listing:
    def __init__(self, containers: list[Container]) -> None:
        self.containers = self
        self._listed = containers

    def list(self, **_filters: object) -> list[Container]:
        return self._listed


def test_one_sandbox_that_cannot_be_removed_does_not_stop_the_others() -> None:
    dead_owner = f"{socket.gethostname()}:999999999"
    stuck, fine = Container(api_error(500, "device busy")), Container(None)
    for container in (stuck, fine):
        container.labels = {OWNER_LABEL: dead_owner}  # type: ignore[attr-defined]
        container.attrs = {"Created": "2026-01-01T00:00:00Z", "State": {}}  # type: ignore[attr-defined]
    reaper = engine()
    reaper._client = Listing([stuck, fine])  # type: ignore[assignment]
    assert reaper.remove_stale() == 1


class Exiting:
    """A container whose waits answer, or fail, in the order given."""

    def __init__(self, *waits: Exception | None) -> None:
        self.waits = list(waits)
        self.calls: list[str] = []
        self.attrs = {"State": {"ExitCode": 3, "OOMKilled": True}}

    def wait(self, timeout: float) -> None:
        self.calls.append("wait")
        outcome = self.waits.pop(0)
        if outcome is not None:
            raise outcome

    def kill(self) -> None:
        self.calls.append("kill")

    def reload(self) -> None:
        self.calls.append("reload")


def final_state(container: Exiting) -> dict[str, object]:
    watch = ExitWatch(container, 5.0)
    watch.start()  # as the engine does, before the tree is sent
    return engine()._final_state(container, watch)


def test_an_exit_watched_ahead_is_not_asked_for_again() -> None:
    container = Exiting(None)
    assert final_state(container) == {"ExitCode": 3, "OOMKilled": True}
    assert container.calls == ["wait", "reload"]


def test_a_failed_watch_is_no_answer_the_exit_is_asked_for_again() -> None:
    container = Exiting(requests.exceptions.ConnectionError("engine restarting"), None)
    final_state(container)
    assert container.calls == ["wait", "wait", "reload"]


def test_a_container_that_does_not_end_after_its_output_is_killed() -> None:
    timed_out = requests.exceptions.ReadTimeout("no answer")
    container = Exiting(timed_out, timed_out, None)
    final_state(container)
    assert container.calls == ["wait", "wait", "kill", "wait", "reload"]
