"""The code views, pages and API, on a hostile repository: escaped, bounded, never followed.

The repository is a real bare one on this host (under the data folder's
repos/); its submission carries a real report. Candidates never reach these
views (the role matrix in test_roles.py covers the API; pages take a staff
session).
"""

from __future__ import annotations

import subprocess
from typing import Any
from urllib.parse import quote

import pytest

from api import code
from grader.git import browse
from grader.store import repo
from grader.store.db import session_scope
from tests.api.pages_fixtures import CHALLENGE, World, fresh_world, reports, world
from tests.support.git import git
from tests.support.hostile import (
    BIG_NAME,
    BINARY_NAME,
    CONTROL_NAME,
    ESCAPE_NAME,
    HTML_NAME,
    LINK_NAME,
    SCRIPT_NAME,
    HostileRepo,
    hostile_repo,
)

__all__ = ["fresh_world", "reports", "world"]
PAGE_BOUND = 1 << 20  # no code page comes near it: a 5 MB file is never streamed


@pytest.fixture(scope="module")
def hostile(world: World) -> tuple[HostileRepo, str]:
    return add_hostile(world)


def add_hostile(world: World) -> tuple[HostileRepo, str]:
    """The hostile repository as a graded submission of ``world``: (repository, id)."""
    made = hostile_repo(world.settings.data_dir / "work" / "hostile")
    bare = world.settings.data_dir / "repos" / "hostile.git"
    bare.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", "--bare", str(made.bare), str(bare)], check=True)
    made = HostileRepo(bare, made.starter, made.graded)
    report: dict[str, Any] = {**world.reports["bob"]["report"]}
    report["submission"] = {"repo": str(bare), "commit": made.graded}
    report["history"] = {**report["history"], "base_commit": made.starter}
    with session_scope(world.settings.effective_database_url) as session:
        challenge = repo.get_challenge(session, CHALLENGE)
        row = repo.create_submission(
            session, challenge=challenge, repo=str(bare), ref="main", candidate_email="eve@x.org"
        )
        repo.claim(session, row.id, "test-worker", 600)
        repo.finish(
            session,
            row.id,
            status="graded",
            overall=report["overall"],
            report=report,
            artifacts=None,
            commit=made.graded,
            dedupe_key=None,
        )
    return made, row.id


def made_commit(world: World, content: str) -> str:
    """A commit of the hostile repository's work tree adding ``long.py``, pushed to its bare."""
    work = world.settings.data_dir / "work" / "hostile" / "work"
    (work / "long.py").write_text(content)
    git(work, "add", "long.py")
    git(work, "commit", "-q", "-m", "Add a long file")
    bare = world.settings.data_dir / "repos" / "hostile.git"
    git(work, "push", "-q", str(bare), "HEAD:refs/heads/long")
    return git(work, "rev-parse", "HEAD")


def page(world: World, path: str, status: int = 200) -> str:
    world.client.cookies.clear()
    world.sign_in("reviewer")
    response = world.client.get(path)
    assert response.status_code == status, response.text[:500]
    assert len(response.content) < PAGE_BOUND
    assert "Content-Security-Policy" in response.headers
    return response.text


def assert_nothing_raw(html: str) -> None:
    """No name or content of the hostile repository reaches the page unescaped."""
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "\x1b" not in html and "\x07" not in html and "\u202e" not in html
    assert "root:x:0:0" not in html  # /etc/passwd was never read


def test_the_report_lists_the_graded_commits_files(world: World, hostile: Any) -> None:
    _made, submission = hostile
    html = page(world, f"/submissions/{submission}")
    assert 'id="code-tree"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py" in html
    assert f"/submissions/{submission}/code?path={quote(SCRIPT_NAME, safe='/')}" in html
    assert "5.0 MB" in html and "symlink" in html and "ctrl&lt;ESC&gt;[31mred.txt" in html
    assert f'href="/submissions/{submission}/diff"' in html
    assert_nothing_raw(html)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        (SCRIPT_NAME, "&lt;script&gt;alert('content')&lt;/script&gt;"),  # escaped by Pygments
        (HTML_NAME, "&lt;b&gt;bold&lt;/b&gt;"),
        (BIG_NAME, "5.0 MB: over the 256.0 KB shown whole, so it is not shown."),
        (BINARY_NAME, "A binary file of 272 B: not shown."),
        (LINK_NAME, "A symbolic link to <code>/etc/passwd</code>. It is shown, never followed."),
        (
            CONTROL_NAME,
            "clear&lt;ESC&gt;[2J and &lt;U+202E&gt;evil&lt;U+202C&gt; and a bell&lt;BEL&gt;",
        ),
        (ESCAPE_NAME, "outside?"),
        ("wordfreq.py", 'class="kn">from</span>'),  # highlighted by Pygments
    ],
)
def test_each_hostile_file_is_shown_escaped_or_summarised(
    world: World, hostile: Any, name: str, says: str
) -> None:
    _made, submission = hostile
    shown = name.replace("\x1b", "<ESC>")
    html = page(world, f"/submissions/{submission}/code?path={quote(shown, safe='')}")
    assert says in html
    assert_nothing_raw(html)


def test_a_name_not_in_the_tree_is_a_404_page(world: World, hostile: Any) -> None:
    _made, submission = hostile
    for path in ("/etc/passwd", "../../../../etc/passwd", "<script>x</script>"):
        html = page(world, f"/submissions/{submission}/code?path={quote(path)}", 404)
        assert "There is no file" in html and "root:x" not in html and "<script>x" not in html


def test_the_diff_against_the_starter_is_escaped_and_bounded(world: World, hostile: Any) -> None:
    made, submission = hostile
    html = page(world, f"/submissions/{submission}/diff")
    assert f"from <code>{made.starter[:10]}</code>" in html
    assert "+    return Counter(text.lower().split())" in html
    assert "0 B → 5.0 MB: over the 256.0 KB shown whole, not shown." in html
    assert "Binary: 0 B → 272 B, not shown." in html
    assert "symlink, never followed" in html and "+/etc/passwd" in html
    assert "+print(&#34;&lt;script&gt;alert(&#39;content&#39;)&lt;/script&gt;&#34;)" in html
    assert_nothing_raw(html)


def test_each_commit_has_its_diff(world: World, hostile: Any) -> None:
    made, submission = hostile
    html = page(world, f"/submissions/{submission}/commits/{made.graded}")
    assert "Add a file outside" in html and "../escape.txt" in html and "+outside?" in html
    first = page(world, f"/submissions/{submission}/commits/{made.starter}")
    assert "from nothing (the first commit)" in first
    for bad in ("HEAD", "f" * 40, made.graded[:12], "-p"):
        page(world, f"/submissions/{submission}/commits/{bad}", 404)
    climbing = world.client.get(f"/submissions/{submission}/commits/..%2F..%2Fetc")
    assert climbing.status_code == 404  # no route: a commit id never holds a slash


def test_the_api_gives_the_same_views(world: World, hostile: Any) -> None:
    made, submission = hostile
    staff = world.auth("reviewer")
    tree = world.client.get(f"/api/submissions/{submission}/code", headers=staff).json()
    assert tree["available"] and tree["commit"] == made.graded and tree["starter"] == made.starter
    kinds = {f["path"]: f["kind"] for f in tree["files"]}
    assert kinds[BIG_NAME] == "large" and kinds[LINK_NAME] == "symlink"
    assert "ctrl<ESC>[31mred.txt" in kinds
    url = f"/api/submissions/{submission}/code/file"
    link = world.client.get(url, params={"path": LINK_NAME}, headers=staff).json()
    assert link == {
        "path": LINK_NAME,
        "size": 11,
        "kind": "symlink",
        "text": None,
        "target": "/etc/passwd",
    }
    big = world.client.get(url, params={"path": BIG_NAME}, headers=staff)
    assert big.json()["text"] is None and len(big.content) < 1000
    missing = world.client.get(url, params={"path": "/etc/passwd"}, headers=staff)
    assert missing.status_code == 404
    diff = world.client.get(f"/api/submissions/{submission}/diff", headers=staff).json()
    assert diff["old"] == made.starter and len(diff["files"]) == 8
    one = world.client.get(
        f"/api/submissions/{submission}/diff", params={"commit": "HEAD"}, headers=staff
    )
    assert one.status_code == 404


def test_an_external_repository_says_its_code_is_not_here(world: World) -> None:
    html = page(world, f"/submissions/{world.submissions['ada']}")
    assert 'id="code-unavailable"' in html and "not on this server" in html
    code = page(world, f"/submissions/{world.submissions['ada']}/code")
    assert "not on this server" in code


@pytest.mark.parametrize("path", ["/code", "/diff", "/commits/" + "a" * 40])
def test_the_code_pages_want_a_staff_session(world: World, hostile: Any, path: str) -> None:
    _made, submission = hostile
    world.client.cookies.clear()
    response = world.client.get(f"/submissions/{submission}{path}", follow_redirects=False)
    assert response.status_code in (302, 303, 307) and "/login" in response.headers["location"]
    # A candidate's token cannot open a session at all (tests/api/test_pages.py), and the
    # API refuses it (tests/api/test_roles.py).
    refused = world.client.get(
        f"/api/submissions/{submission}/code", headers=world.auth("candidate")
    )
    assert refused.status_code == 403


def test_a_long_file_is_shown_as_plain_text_not_highlighted(fresh_world: World) -> None:
    add_hostile(fresh_world)
    long_line = "x = 1  # <b>\n"
    big = long_line * (code.HIGHLIGHT_BYTES // len(long_line) + 1)
    assert code.HIGHLIGHT_BYTES < len(big) < browse.MAX_FILE_BYTES
    source = code.Source(fresh_world.settings.data_dir / "repos" / "hostile.git", None, None)
    assert code.file_view(source, "wordfreq.py") is None  # no commit: nothing is read
    view = code.file_view(code.Source(source.repo, made_commit(fresh_world, big), None), "long.py")
    assert view is not None and view.html is not None
    assert 'class="kn"' not in view.html and 'class="c1"' not in view.html  # no tokens
    assert "&lt;b&gt;" in view.html and len(view.html) < 5 * len(big)  # line numbers
