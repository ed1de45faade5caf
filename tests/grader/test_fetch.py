import io
import tarfile
from pathlib import Path

import pytest

from grader.errors import RepositoryError
from grader.fetch import FetchPolicy, fetch, locate, submission_tree
from grader.workspace import build_workspace
from tests.conftest import make_repo
from tests.support.git import git

LOCAL = FetchPolicy(allow_local=True)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ext::sh -c touch% /tmp/pwned", "transport helpers"),
        ("fd::17", "transport helpers"),
        ("--upload-pack=touch /tmp/pwned", "looks like an option"),
        ("-u touch", "looks like an option"),
        ("git@github.com:user/repo.git", "'ssh' is not allowed"),
        ("ssh://github.com/user/repo.git", "'ssh' is not allowed"),
        ("http://example.com/repo.git", "'http' is not allowed"),
        ("https:///no-host", "no host"),
        ("", "empty"),
        ("https://example.com/a\nb", "control characters"),
    ],
)
def test_dangerous_urls_are_refused_before_git_runs(url: str, reason: str) -> None:
    with pytest.raises(RepositoryError, match=reason):
        locate(url, LOCAL)


def test_local_paths_need_permission(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="local paths are not allowed"):
        locate(str(tmp_path), FetchPolicy())
    assert locate(str(tmp_path), FetchPolicy(local_roots=(tmp_path,))).protocols == ("file",)


def test_allowed_hosts_narrow_https() -> None:
    policy = FetchPolicy(allowed_hosts=("github.com",))
    assert locate("https://github.com/a/b.git", policy).protocols == ("https",)
    with pytest.raises(RepositoryError, match="not allowed"):
        locate("https://evil.example/a/b.git", policy)


def test_fetch_resolves_branch_tag_and_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", [("First", {"a.txt": "1"}), ("Second", {"a.txt": "2"})])
    git(repo, "tag", "v1", "HEAD~1")
    first = git(repo, "rev-parse", "HEAD~1")
    for ref, expected in [
        (None, git(repo, "rev-parse", "HEAD")),
        ("v1", first),
        (first, first),
        ("main", git(repo, "rev-parse", "HEAD")),
    ]:
        work = tmp_path / f"w-{ref}"
        work.mkdir()
        assert fetch(str(repo), ref, work, LOCAL, 30, 1 << 30).commit == expected


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=/tmp/x", "HEAD~99"])
def test_bad_ref_is_a_repository_error(tmp_path: Path, ref: str) -> None:
    repo = make_repo(tmp_path / "r", [("First", {"a.txt": "1"})])
    (tmp_path / "w").mkdir()
    with pytest.raises(RepositoryError, match="ref"):
        fetch(str(repo), ref, tmp_path / "w", LOCAL, 30, 1 << 30)


def test_missing_and_empty_repositories_are_repository_errors(tmp_path: Path) -> None:
    (tmp_path / "w1").mkdir()
    with pytest.raises(RepositoryError, match="not found"):
        fetch(str(tmp_path / "missing"), None, tmp_path / "w1", LOCAL, 30, 1 << 30)
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "w2").mkdir()
    with pytest.raises(RepositoryError):
        fetch(str(empty), None, tmp_path / "w2", LOCAL, 30, 1 << 30)


def test_clone_size_cap_is_enforced(tmp_path: Path) -> None:
    import os

    repo = make_repo(tmp_path / "r", [("Big", {"blob.bin": os.urandom(3 << 20)})])
    (tmp_path / "w").mkdir()
    with pytest.raises(RepositoryError, match="larger than 1 MB"):
        fetch(str(repo), None, tmp_path / "w", LOCAL, 30, 1 << 20)


def test_tree_is_read_from_objects_with_links_kept_and_submodules_dropped(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", [("Files", {"src/app.py": "x = 1\n", "run.sh": "echo\n"})])
    (repo / "secret").symlink_to("/etc/shadow")
    (repo / "run.sh").chmod(0o755)
    sub = make_repo(tmp_path / "sub", [("Sub", {"s.txt": "s"})])
    git(
        repo,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "--quiet",
        str(sub),
        "vendor/sub",
    )
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "Add link and submodule")
    (tmp_path / "w").mkdir()
    fetched = fetch(str(repo), None, tmp_path / "w", LOCAL, 30, 1 << 30)
    entries = submission_tree(fetched, 1 << 30)
    assert "vendor/sub" not in {e.path for e in entries}
    workspace = build_workspace(fetched.repo_dir, entries, "python")
    with tarfile.open(fileobj=io.BytesIO(workspace.tar)) as archive:
        members = {m.name: m for m in archive.getmembers()}
    assert members["secret"].issym() and members["secret"].linkname == "/etc/shadow"
    assert members["run.sh"].mode == 0o755
    assert "src/app.py" in members


def test_tree_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", [("Big", {"a.txt": "x" * 5000})])
    (tmp_path / "w").mkdir()
    fetched = fetch(str(repo), None, tmp_path / "w", LOCAL, 30, 1 << 30)
    with pytest.raises(RepositoryError, match="at most 0 MB"):
        submission_tree(fetched, 1000)


def test_neutralised_files_are_left_out_and_named(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        [
            (
                "Sneaky",
                {
                    "conftest.py": "x",
                    "pkg/conftest.py": "x",
                    "sitecustomize.py": "x",
                    "usercustomize.py": "x",
                    "evil.pth": "x",
                    "hidden/test_fake.py": "x",
                    "pytest.ini": "[pytest]\n",
                    "wordfreq.py": "y",
                },
            )
        ],
    )
    (tmp_path / "w").mkdir()
    fetched = fetch(str(repo), None, tmp_path / "w", LOCAL, 30, 1 << 30)
    workspace = build_workspace(fetched.repo_dir, submission_tree(fetched, 1 << 30), "python")
    with tarfile.open(fileobj=io.BytesIO(workspace.tar)) as archive:
        names = set(archive.getnames())
    assert names == {"wordfreq.py", "pytest.ini"}
    assert len(workspace.removed) == 6
    assert any(r.startswith("hidden/test_fake.py: replaced") for r in workspace.removed)


def test_git_never_runs_the_ext_transport(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(RepositoryError):
        fetch(f"ext::sh -c touch% {marker}", None, tmp_path, LOCAL, 30, 1 << 30)
    assert not marker.exists()
