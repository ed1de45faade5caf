"""The CLI's error line: what an operator sees of an infrastructure error."""

from __future__ import annotations

from grader.cli.base import one_line


def test_a_short_error_is_shown_whole_on_one_line() -> None:
    assert one_line("docker is not running:\n  connection refused") == (
        "docker is not running: connection refused"
    )


def test_a_long_error_keeps_what_failed_and_why() -> None:
    """A failed image build: the first line says which image, the last words say why."""
    steps = "\n".join(f"Step {i}/8 : RUN something long enough to fill a line" for i in range(40))
    message = f"building grader-java:1a75 failed:\n{steps}\nSyntaxError: unmatched ')'"
    shown = one_line(message)
    assert len(shown) <= 500
    assert shown.startswith("building grader-java:1a75 failed: ... ")
    assert shown.endswith("SyntaxError: unmatched ')'")
