"""The languages a challenge can be written in, each one ``LanguageSupport`` record.

``support(language)`` is the only way the rest of the grader learns what
differs between languages; see ``base.py`` for what a record holds.
"""

from __future__ import annotations

from grader.errors import ChallengeInvalid
from grader.languages import java, node, python
from grader.languages.base import Base, Isolation, Language, LanguageSupport

__all__ = ["LANGUAGES", "Base", "Isolation", "Language", "LanguageSupport", "support"]

REGISTRY: dict[Language, LanguageSupport] = {
    s.language: s for s in (python.SUPPORT, node.SUPPORT, java.SUPPORT)
}
LANGUAGES: tuple[str, ...] = tuple(language.value for language in REGISTRY)


def support(language: str) -> LanguageSupport:
    """The record of a language; a language the grader does not know is the author's error."""
    try:
        return REGISTRY[Language(language)]
    except ValueError:
        raise ChallengeInvalid(
            [f"language {language!r} is not one of {', '.join(LANGUAGES)}"]
        ) from None
