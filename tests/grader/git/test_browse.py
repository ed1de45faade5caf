"""grader.git.browse on a hostile repository: names as they are, reads bounded, links unfollowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import RepositoryError
from grader.git import browse
from tests.support.git import git
from tests.support.hostile import (
    BIG_NAME,
    BIG_SIZE,
    BINARY_NAME,
    CONTROL_CONTENT,
    CONTROL_NAME,
    ESCAPE_NAME,
    LINK_NAME,
    SCRIPT_CONTENT,
    SCRIPT_NAME,
    HostileRepo,
    hostile_repo,
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileRepo:
    return hostile_repo(tmp_path_factory.mktemp("hostile"))


def test_the_tree_lists_every_name_as_git_stores_it(hostile: HostileRepo) -> None:
    tree = browse.list_tree(hostile.bare, hostile.graded)
    names = {e.path for e in tree.entries}
    assert {SCRIPT_NAME, CONTROL_NAME, ESCAPE_NAME, LINK_NAME, BIG_NAME} <= names
    assert tree.truncated == 0
    assert next(e for e in tree.entries if e.path == BIG_NAME).size == BIG_SIZE


def test_a_text_file_is_read_whole(hostile: HostileRepo) -> None:
    found = browse.read_file(hostile.bare, hostile.graded, SCRIPT_NAME)
    assert found is not None and found.kind == browse.Kind.TEXT
    assert found.text == SCRIPT_CONTENT
    control = browse.read_file(hostile.bare, hostile.graded, CONTROL_NAME)
    assert control is not None and control.text == CONTROL_CONTENT  # made visible by the pages


def test_a_huge_or_binary_file_is_summarised_not_read(hostile: HostileRepo) -> None:
    big = browse.read_file(hostile.bare, hostile.graded, BIG_NAME)
    binary = browse.read_file(hostile.bare, hostile.graded, BINARY_NAME)
    assert big == browse.File(BIG_NAME, "100644", BIG_SIZE, browse.Kind.LARGE, None)
    assert binary is not None and binary.kind == browse.Kind.BINARY and binary.text is None


def test_a_symlink_is_its_target_never_what_it_points_at(hostile: HostileRepo) -> None:
    link = browse.read_file(hostile.bare, hostile.graded, LINK_NAME)
    assert link is not None and link.kind == browse.Kind.LINK
    assert link.text == "/etc/passwd" and link.size == len("/etc/passwd")


def test_a_path_out_of_the_tree_is_only_a_name(hostile: HostileRepo, tmp_path: Path) -> None:
    found = browse.read_file(hostile.bare, hostile.graded, ESCAPE_NAME)
    assert found is not None and found.text == "outside?\n"
    assert browse.read_file(hostile.bare, hostile.graded, "../../etc/passwd") is None
    assert browse.read_file(hostile.bare, hostile.graded, "wordfreq.py/..") is None


def test_the_diff_against_the_starter_is_bounded_per_file(hostile: HostileRepo) -> None:
    found = browse.diff(hostile.bare, hostile.starter, hostile.graded)
    by_path = {f.path: f for f in found.files}
    assert by_path["wordfreq.py"].status == "M"
    assert "+    return Counter(text.lower().split())" in by_path["wordfreq.py"].lines
    assert by_path[BIG_NAME].kind == browse.Kind.LARGE and by_path[BIG_NAME].lines == []
    assert by_path[BINARY_NAME].kind == browse.Kind.BINARY and by_path[BINARY_NAME].lines == []
    assert by_path[LINK_NAME].kind == browse.Kind.LINK
    assert by_path[LINK_NAME].lines == ["@@ -0,0 +1 @@", "+/etc/passwd"]
    assert not found.budget_spent and found.truncated == 0


def test_a_diff_past_the_page_budget_summarises_the_rest(
    hostile: HostileRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browse, "MAX_PAGE_BYTES", 50)  # the first two files fit, not the third
    monkeypatch.setattr(browse, "MAX_DIFF_FILES", 3)
    found = browse.diff(hostile.bare, hostile.starter, hostile.graded)
    assert found.budget_spent and found.truncated == 8 - 3
    assert [bool(f.lines) for f in found.files] == [True, True, False]
    assert found.files[2].cut and found.files[2].kind == browse.Kind.LARGE


def test_a_commit_diff_from_nothing_lists_every_file(hostile: HostileRepo) -> None:
    found = browse.diff(hostile.bare, None, hostile.starter)
    assert [(f.status, f.path) for f in found.files] == [("A", "wordfreq.py")]
    assert browse.first_parent(hostile.bare, hostile.starter) is None


def test_only_full_commit_ids_reach_git(hostile: HostileRepo) -> None:
    for bad in ("HEAD", "--output=/tmp/x", hostile.graded[:12], "main"):
        with pytest.raises(RepositoryError):
            browse.diff(hostile.bare, None, bad)
        with pytest.raises(RepositoryError):
            browse.list_tree(hostile.bare, bad)


def test_a_force_push_leaves_the_replaced_commits_listed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "--initial-branch=main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Start")
    start = git(repo, "rev-parse", "HEAD")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Add <b>counting</b>")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Fix the count")
    old = git(repo, "rev-parse", "HEAD")
    git(repo, "reset", "-q", "--hard", start)
    git(repo, "commit", "-q", "--allow-empty", "-m", "Count words, squashed")
    new = git(repo, "rev-parse", "HEAD")

    lost = browse.lost_commits(repo, old, new)

    assert [c.subject for c in lost] == ["Fix the count", "Add <b>counting</b>"]
    assert browse.subjects(repo, [new, "f" * 40]) == {new: "Count words, squashed"}
    assert browse.lost_commits(repo, "e" * 40, new) == [browse.Lost("e" * 40, None)]


def test_a_diff_of_many_short_lines_stops_at_the_pages_line_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "--initial-branch=main")
    for name in ("a.txt", "b.txt", "c.txt"):
        (repo / name).write_text("x\n" * 40)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Many lines")
    monkeypatch.setattr(browse, "MAX_PAGE_LINES", 50)

    found = browse.diff(repo, None, git(repo, "rev-parse", "HEAD"))

    assert [len(f.lines) for f in found.files] == [41, 9, 0]  # a hunk header and 40 lines
    assert [f.cut for f in found.files] == [False, True, True] and found.budget_spent
