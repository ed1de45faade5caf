"""The language registry: one record per language, and no language decided elsewhere."""

import re
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT
from grader.errors import ChallengeInvalid
from grader.languages import LANGUAGES, REGISTRY, Isolation, Language, support

# A comparison of a language's name, or a language's name as a value to branch on.
BRANCH = re.compile(
    r"""language\s*(==|!=)|language\s+(not\s+)?in\s*[(\[{"']"""
    r"""|(==|!=)\s*["'](python|node|java)["']|["'](python|node|java)["']\s*(==|!=)"""
)


def test_every_language_has_a_record_and_a_sandbox_image_folder() -> None:
    assert set(LANGUAGES) == {language.value for language in Language} == set(REGISTRY)
    for language in LANGUAGES:
        assert (PROJECT_ROOT / "sandbox_images" / language / "Dockerfile").is_file(), language
        record = support(language)
        assert record.isolations, language
        assert record.run_command, language


def test_python_alone_isolates_the_submission_by_default() -> None:
    defaults = {language: support(language).default_isolation for language in LANGUAGES}
    assert defaults == {
        "python": Isolation.PROCESS,
        "node": Isolation.SHARED,
        "java": Isolation.SHARED,
    }


def test_an_unknown_language_is_the_authors_error_naming_the_known_ones() -> None:
    with pytest.raises(ChallengeInvalid) as caught:
        support("ruby")
    assert caught.value.problems == ["language 'ruby' is not one of python, node, java"]


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for folder in ("grader", "api")
        for p in (PROJECT_ROOT / folder).rglob("*.py")
        if "languages" not in p.relative_to(PROJECT_ROOT).parts
    ),
    ids=lambda p: str(p.relative_to(PROJECT_ROOT)),
)
def test_no_language_is_decided_outside_the_languages_package(path: Path) -> None:
    found = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BRANCH.search(line)
    ]
    assert not found, found


@pytest.mark.parametrize(
    ("line", "branches"),
    [
        ('if challenge.language == "python":', True),
        ("checked = language in ('python', 'java')", True),
        ('if kind != "node":', True),
        ('if "java" == name:', True),
        ("for language in wanted:", False),
        ("language = support(challenge.language)", False),
    ],
)
def test_the_branch_pattern_finds_what_it_forbids_and_only_that(line: str, branches: bool) -> None:
    assert bool(BRANCH.search(line)) is branches
