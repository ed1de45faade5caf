"""The soak's mix of submissions: how many of each challenge and variant, in what order."""

from __future__ import annotations

from collections import Counter

from scripts.soak.deployment import MAIN_CHALLENGE, SERVICE_CHALLENGE, label, mix


def test_one_submission_in_five_is_the_service_challenges_by_default() -> None:
    plan = mix(200, 0.2)
    assert Counter(plan) == {
        (MAIN_CHALLENGE, "solution"): 80,
        (MAIN_CHALLENGE, "starter"): 80,
        (SERVICE_CHALLENGE, "solution"): 20,
        (SERVICE_CHALLENGE, "starter"): 20,
    }


def test_the_service_challenge_is_spread_through_the_run() -> None:
    plan = mix(20, 0.2)
    served = [i for i, (challenge, _v) in enumerate(plan) if challenge == SERVICE_CHALLENGE]
    assert served == [4, 9, 14, 19]
    assert [v for c, v in plan if c == SERVICE_CHALLENGE] == ["solution", "starter"] * 2


def test_the_share_bounds_give_one_challenge_only() -> None:
    assert {c for c, _v in mix(7, 0.0)} == {MAIN_CHALLENGE}
    assert {c for c, _v in mix(7, 1.0)} == {SERVICE_CHALLENGE}
    assert len(mix(7, 0.5)) == 7


def test_a_kind_is_labelled_challenge_slash_variant() -> None:
    assert label((SERVICE_CHALLENGE, "starter")) == "leaderboard-redis/starter"
