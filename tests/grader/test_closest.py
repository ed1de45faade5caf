"""A submission's closest others from the stored comparisons (SQLite, without Docker).

fay wrote a solution, gus handed in a disguised copy of it after her: gus's own
comparison finds fay's, and fay's view is the same match turned around.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from grader.closest import Similar, similar
from grader.config import PROJECT_ROOT
from grader.similarities import Indexes
from grader.store import repo
from grader.store.db import session_scope
from tests.grader.similarity.disguise import disguise
from tests.store import migrated_database
from tests.support.submissions import (
    compare,
    store_graded,
    store_word_frequency,
)

INDEPENDENT = (
    PROJECT_ROOT / "tests/grader/similarity/solutions/word-frequency/independent/wordfreq.py"
).read_text()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with migrated_database("sqlite", tmp_path) as url, session_scope(url) as opened:
        store_word_frequency(opened)
        yield opened


def compared(session: Session, indexes: Indexes, email: str, code: str) -> str:
    submission_id = store_graded(session, email, f"/repos/{email}.git")
    compare(session, indexes, submission_id, code)
    return submission_id


def view(session: Session, submission_id: str) -> Similar:
    row = repo.get_submission(session, submission_id)
    assert row is not None
    return similar(session, row, lambda other: f"named {other}")


def test_the_copy_finds_the_original_and_the_original_sees_it_turned_around(
    session: Session,
) -> None:
    indexes = Indexes()
    fay = compared(session, indexes, "fay@example.com", INDEPENDENT)
    gus = compared(session, indexes, "gus@example.com", disguise(INDEPENDENT))
    copy, original = view(session, gus), view(session, fay)
    (there,) = copy.submissions
    (here,) = original.submissions
    assert (there.other, there.label, here.other, here.label) == (
        fay,
        f"named {fay}",
        gus,
        f"named {gus}",
    )
    assert there.flagged and there.similarity >= copy.threshold
    assert (here.share_this, here.share_other) == (there.share_other, there.share_this)
    assert [(f.this, f.other) for f in here.fragments] == [
        (f.other, f.this) for f in there.fragments
    ]
    assert [p.label for p in copy.references] == ["the challenge's solution"]


def test_a_submission_never_compared_says_so(session: Session) -> None:
    alone = store_graded(session, "ada@example.com", "/repos/ada.git")
    found = view(session, alone)
    assert found.computed is False and found.submissions == []
    assert found.starter is None
