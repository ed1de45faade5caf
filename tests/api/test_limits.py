"""Request bounds: bodies past a route's limit get 413, and a 422 never echoes much."""

from __future__ import annotations

from collections.abc import Iterator

from api.limits import DEFAULT_BODY_BYTES, ECHO_CHARS, body_limit, clip
from tests.api.pages_fixtures import World, fresh_world, reports, world

__all__ = ["fresh_world", "reports", "world"]


def test_a_body_declared_too_large_is_refused_before_it_is_read(world: World) -> None:
    body = '{"challenge": "word-frequency", "repo": "' + "x" * (20 << 20) + '"}'
    response = world.client.post(
        "/api/submissions",
        content=body,
        headers={**world.auth("admin"), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert len(response.content) < 200
    assert response.json() == {
        "detail": f"request body too large: at most {DEFAULT_BODY_BYTES} bytes"
    }


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(world: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"challenge": "word-frequency", "repo": "'
        for _ in range(64):
            yield b"x" * (64 << 10)
        yield b'"}'

    response = world.client.post(
        "/api/submissions",
        content=chunks(),
        headers={**world.auth("admin"), "content-type": "application/json"},
    )
    assert response.status_code == 413


def test_an_invalid_field_is_echoed_clipped(world: World) -> None:
    long_repo = "y" * 100_000
    response = world.client.post(
        "/api/submissions",
        json={"challenge": "word-frequency", "repo": long_repo},
        headers=world.auth("admin"),
    )
    assert response.status_code == 422
    assert len(response.content) < 2000
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "repo"] and error["type"] == "string_too_long"
    assert error["input"].startswith("y" * ECHO_CHARS + "... [")
    assert "more characters not shown" in error["input"]


def test_webhooks_may_send_what_a_git_host_sends_and_git_bounds_itself() -> None:
    assert body_limit("/api/webhooks/github") == 25 << 20
    assert body_limit("/git/abc.git/git-receive-pack") is None
    assert body_limit("/api/invitations") == DEFAULT_BODY_BYTES


def test_short_inputs_are_echoed_as_they_are() -> None:
    assert clip("short") == "short"
    assert clip({"a": 1}) == {"a": 1}
    assert clip(list(range(1000))).endswith("more characters not shown]")
