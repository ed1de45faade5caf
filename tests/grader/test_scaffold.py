"""``grader challenge new``'s templates, read as the grader reads a challenge (no Docker:
tests/grader/test_validate.py validates each one in the sandbox)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.challenge import load_challenge
from grader.errors import BadInput
from grader.scaffold import LANGUAGES, scaffold, title_of


def test_the_title_is_made_from_the_id() -> None:
    assert title_of("order-pricing") == "Order pricing"
    assert title_of("api") == "Api"


def test_there_is_a_template_for_each_language() -> None:
    assert LANGUAGES == ("java", "node", "python")


@pytest.mark.parametrize(
    ("language", "testing"),
    [
        ("python", ("hidden/test_own_tests.py::*",)),
        ("node", ("hidden/own-tests.test.js::*",)),
        ("java", None),
    ],
)
def test_a_scaffold_loads_with_testing_mapped_to_the_candidates_own_tests(
    tmp_path: Path, language: str, testing: tuple[str, ...] | None
) -> None:
    challenge = load_challenge(scaffold(tmp_path / "order-pricing", language))
    assert (challenge.id, challenge.title, challenge.language) == (
        "order-pricing",
        "Order pricing",
        language,
    )
    skills = {skill.name: skill.tests for skill in challenge.skills}
    assert skills.get("testing") == testing
    # the author's edge cases are programming, whatever the language
    assert any("edge" in glob.lower() for glob in skills["programming"])
    statement = (challenge.root / "statement.md").read_text()
    assert statement.startswith("# Order pricing\n") and "## Practical rules" in statement
    assert "{{" not in "".join(p.read_text() for p in challenge.root.rglob("*") if p.is_file())
    assert (challenge.root / "starter" / ".gitignore").is_file()


def test_an_unknown_language_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no template for language 'cobol'"):
        scaffold(tmp_path / "x", "cobol")


def test_a_folder_in_use_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine\n")
    with pytest.raises(BadInput, match="exists and is not empty"):
        scaffold(tmp_path / "taken")
