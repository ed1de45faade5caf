"""Score stage: pure functions from outcomes, findings and the manifest to skill scores.

A skill's score is the share of its tests that passed; ``overall`` is the
weighted mean of the skill scores, version_control included with the weight
from [version_control]. A tampered grading scores 0 on every skill that comes
from tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grader.challenge import Challenge
from grader.results import TestOutcome


@dataclass(frozen=True)
class SkillScore:
    name: str
    score: float
    weight: float
    passed: int | None = None
    total: int | None = None


def skill_scores(
    challenge: Challenge, tests: Iterable[TestOutcome], tampered: bool = False
) -> dict[str, SkillScore]:
    tests = list(tests)
    scores: dict[str, SkillScore] = {}
    for skill in challenge.skills:
        mine = [t for t in tests if challenge.skill_of(t.id) == skill.name]
        passed = sum(t.outcome == "passed" for t in mine)
        score = 0.0 if tampered or not mine else round(100.0 * passed / len(mine), 1)
        scores[skill.name] = SkillScore(skill.name, score, skill.weight, passed, len(mine))
    return scores


def overall(scores: Iterable[tuple[float, float]]) -> float:
    """Weighted mean of (score, weight) pairs; weight 0 leaves a skill out."""
    weighted = [(score, weight) for score, weight in scores if weight > 0]
    total_weight = sum(w for _, w in weighted)
    if total_weight == 0:
        return 0.0
    return round(sum(score * weight for score, weight in weighted) / total_weight, 1)
