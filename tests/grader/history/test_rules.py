"""The rubric in force is the one docs/version-control.md documents."""

from __future__ import annotations

from pathlib import Path

from grader.history.rules import BASELINE, RUBRIC


def test_the_documented_rubric_is_the_one_in_force() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "version-control.md").read_text()
    assert f"starts at **{BASELINE:g}**" in doc
    for rule, weight in RUBRIC.items():
        effect = "0" if weight.effect == 0 else f"{weight.effect:+g}"
        cap = "" if weight.cap is None else f"{weight.cap:g}"
        row = f"| `{rule}` | {effect} | {cap} |".replace("|  |", "| |")
        assert row in doc, rule
