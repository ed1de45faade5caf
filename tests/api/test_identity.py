"""api/identity.py: pseudonyms, and how a blinded candidate's traces are masked."""

from __future__ import annotations

from api.identity import HIDDEN_EMAIL, HIDDEN_REPO, Shown, _masks, identity_key, pseudonym

REPO = "https://git.example.com/ann-smith/word-frequency.git"


def blinded(people: tuple[str, ...] = ("Ann Smith", "ann@example.com", "Al")) -> Shown:
    alias = pseudonym("secret", "word-frequency", "ann@example.com")
    return Shown(True, alias, None, HIDDEN_REPO, alias, _masks(alias, [REPO], people))


def test_a_pseudonym_is_stable_per_challenge_and_needs_the_secret() -> None:
    one = pseudonym("secret", "word-frequency", "ann@example.com")
    assert one == pseudonym("secret", "word-frequency", "ann@example.com")
    assert one.startswith("Candidate ") and len(one.removeprefix("Candidate ")) == 6
    assert one != pseudonym("secret", "other-challenge", "ann@example.com")
    assert one != pseudonym("another secret", "word-frequency", "ann@example.com")
    assert identity_key(" Ann@Example.com ", REPO) == "ann@example.com"
    assert identity_key(None, REPO) == REPO


def test_text_masks_the_repository_people_and_any_email() -> None:
    who = blinded()
    text = (
        f"could not fetch {REPO} (or {REPO.removesuffix('.git')}): ANN SMITH pushed, "
        "Signed-off-by: Ann Smith <ann@example.com>, cc bob@example.org; Al said hi to Alice"
    )
    assert who.text(text) == (
        f"could not fetch {HIDDEN_REPO} (or {HIDDEN_REPO}): {who.name} pushed, "
        f"Signed-off-by: {who.name} <{who.name}>, cc {HIDDEN_EMAIL}; Al said hi to Alice"
    )


def test_data_masks_a_report_throughout_and_its_author_fields() -> None:
    who = blinded()
    report = {
        "submission": {"repo": REPO, "commit": "a" * 40},
        "history": {"commits": [{"subject": "Ann Smith's fix", "author": "Ann Smith", "added": 3}]},
        "commits": [{"author_email": "x@y.org", "author_name": "Someone Else"}],
    }
    assert who.data(report) == {
        "submission": {"repo": HIDDEN_REPO, "commit": "a" * 40},
        "history": {"commits": [{"subject": f"{who.name}'s fix", "author": who.name, "added": 3}]},
        "commits": [{"author_email": who.name, "author_name": who.name}],
    }


def test_someone_not_blinded_is_shown_as_they_are() -> None:
    who = Shown(False, "ann@example.com", "ann@example.com", REPO, "Candidate 000000")
    assert who.text(f"{REPO} by ann@example.com") == f"{REPO} by ann@example.com"
    assert who.data({"author": "Ann Smith"}) == {"author": "Ann Smith"}
