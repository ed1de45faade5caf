"""Real git repositories for the history tests, built with plain git, and a timing helper.

Every commit gets fixed author and committer dates, so findings about dates
and message checks are the same on every run and every machine.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grader.history import analyse_history
from tests.support.git import ISOLATED, git_bytes, identity, write_files

T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC
STEP = 45 * 60  # between two commits of the candidate's
STARTER: Mapping[str, str] = {
    "README.md": "# Word frequency\n\nPrint the most common words of a text.\n",
    "wordfreq.py": "def top_words(text: str, n: int) -> list[tuple[str, int]]:\n"
    "    raise NotImplementedError\n",
    ".gitignore": "__pycache__/\n",
}
# Built at run time so that this file holds no string a secret scanner would stop.
AWS_KEY = "AKIA" + "Q3ZJ7XK2PLMN4TVB"
GITHUB_TOKEN = "ghp_" + "Zq8xW3nR7tK2mP9vL4sJa6Yb1Hc5Dd0Ee2Ff"

_ENV = {**ISOLATED, **identity("Candidate", "candidate@example.com"), "LC_ALL": "C"}


def run_git(
    args: list[str], cwd: Path, *, env: Mapping[str, str] | None = None, stdin: bytes | None = None
) -> str:
    return git_bytes(cwd, args, {**_ENV, **(env or {})}, stdin).decode().strip()


def code(name: str, lines: int) -> str:
    """``lines`` lines of plausible, distinct Python."""
    body = [
        f"def {name}_{i}(value: int) -> int:\n    return value * {i + 2} + {i}\n"
        for i in range(lines // 2)
    ]
    return "".join(body)


class Repo:
    """A work tree whose commits are dated by a clock that moves STEP seconds a commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True)
        run_git(["init", "-q", "-b", "main"], root)
        self.clock = T0

    def git(self, *args: str, when: int | None = None) -> str:
        stamp = f"@{when if when is not None else self.clock} +0000"
        return run_git(
            list(args), self.root, env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        )

    def commit(
        self,
        message: str,
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        when: int | None = None,
    ) -> str:
        """Write (None: delete) ``files``, commit them all, return the new commit's id."""
        write_files(self.root, files or {})
        self.clock = when if when is not None else self.clock + STEP
        self.git("add", "-A")
        stamp = f"@{self.clock} +0000"
        run_git(
            ["commit", "-q", "--allow-empty", "-F", "-"],
            self.root,
            stdin=message.encode(),
            env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp},
        )
        return self.git("rev-parse", "HEAD")

    def bare(self) -> Path:
        dest = self.root.with_name(self.root.name + ".git")
        run_git(["clone", "-q", "--bare", str(self.root), str(dest)], self.root.parent)
        return dest


@dataclass
class Built:
    repo: Path  # the bare clone to analyse
    tip: str
    starter_dir: Path
    base: str | None  # the starter commit, when the history has one
    named: dict[str, str] = field(default_factory=dict)  # label -> commit id


def write_starter(tmp: Path) -> Path:
    folder = tmp / "starter"
    folder.mkdir()
    for path, content in STARTER.items():
        (folder / path).write_text(content)
    return folder


def _started(tmp: Path) -> tuple[Repo, Path, str]:
    repo = Repo(tmp / "work")
    return repo, write_starter(tmp), repo.commit("Add starter code", dict(STARTER))


def _built(repo: Repo, starter_dir: Path, base: str | None, **named: str) -> Built:
    return Built(repo.bare(), repo.git("rev-parse", "HEAD"), starter_dir, base, dict(named))


def _exemplary_commits(repo: Repo) -> dict[str, str]:
    return {
        "tokeniser": repo.commit(
            "Add a word tokeniser",
            {"tokenise.py": code("token", 24), "tests/test_tokenise.py": code("test_token", 16)},
        ),
        "counting": repo.commit(
            "Count word frequencies",
            {"wordfreq.py": code("count", 30), "tests/test_wordfreq.py": code("test_count", 20)},
        ),
        "punctuation": repo.commit(
            'Strip punctuation before counting\n\nSo that "word," and "word" count as the '
            "same word.\n",
            {"tokenise.py": code("token", 40), "tests/test_tokenise.py": code("test_token", 26)},
        ),
        "cli": repo.commit(
            "Add a command-line interface",
            {"cli.py": code("cli", 28), "tests/test_cli.py": code("test_cli", 18)},
        ),
        "readme": repo.commit(
            "Document usage in the README",
            {"README.md": STARTER["README.md"] + "\nRun `python cli.py FILE`.\n"},
        ),
        "ties": repo.commit(
            "Sort ties alphabetically",
            {"wordfreq.py": code("count", 36), "tests/test_wordfreq.py": code("test_count", 26)},
        ),
    }


def exemplary(tmp: Path) -> Built:
    repo, starter_dir, base = _started(tmp)
    return _built(repo, starter_dir, base, **_exemplary_commits(repo))


def one_giant_commit(tmp: Path) -> Built:
    repo, starter_dir, base = _started(tmp)
    giant = repo.commit(
        "Implement the word frequency counter\n\nTokenise, count and sort, with tests.\n",
        {"wordfreq.py": code("count", 300), "tests/test_wordfreq.py": code("test_count", 100)},
    )
    return _built(repo, starter_dir, base, giant=giant)


def wip_and_fixup(tmp: Path) -> Built:
    repo, starter_dir, base = _started(tmp)
    named = _exemplary_commits(repo)
    named["wip"] = repo.commit("WIP cli options", {"cli.py": code("cli", 34)})
    named["fixup"] = repo.commit(
        "fixup! Add a command-line interface", {"tests/test_cli.py": code("test_cli", 22)}
    )
    return _built(repo, starter_dir, base, **named)


def committed_virtualenv(tmp: Path, *, cleaned_up: bool = False) -> Built:
    repo, starter_dir, base = _started(tmp)
    named = _exemplary_commits(repo)
    site = "venv/lib/python3.11/site-packages"
    venv: dict[str, str | bytes | None] = {
        "venv/pyvenv.cfg": "home = /usr/bin\nversion = 3.11.7\n",
        "venv/bin/activate": '# This file must be used with "source bin/activate"\n',
        f"{site}/requests/__init__.py": code("requests", 400),
        f"{site}/_speedups.cpython-311-x86_64-linux-gnu.so": b"\x7fELF\2\1\1\0" + bytes(256),
    }
    named["venv"] = repo.commit("Add dependencies", venv)
    if cleaned_up:
        named["cleanup"] = repo.commit(
            "Stop tracking the virtualenv",
            {**dict.fromkeys(venv), ".gitignore": STARTER[".gitignore"] + "venv/\n"},
        )
    return _built(repo, starter_dir, base, **named)


def key_committed_then_deleted(tmp: Path) -> Built:
    repo, starter_dir, base = _started(tmp)
    named = _exemplary_commits(repo)
    settings = f'BUCKET = "word-counts"\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'
    named["leak"] = repo.commit(
        "Upload results to S3",
        {"upload.py": settings + code("upload", 20), "tests/test_upload.py": code("test_up", 10)},
    )
    named["removal"] = repo.commit(
        "Read the AWS key from the environment",
        {"upload.py": 'import os\n\nBUCKET = "word-counts"\n' + code("upload", 20)},
    )
    return _built(repo, starter_dir, base, **named)


def seed_elsewhere(tmp: Path) -> Built:
    """A history that holds the starter, and a "seed" on a branch it never merged."""
    repo, starter_dir, base = _started(tmp)
    repo.git("checkout", "-q", "-b", "elsewhere")
    seed = repo.commit("Seed the hosted repository", {"HOSTED.md": "Hosted by the grader.\n"})
    repo.git("checkout", "-q", "main")
    return _built(repo, starter_dir, base, seed=seed, **_exemplary_commits(repo))


def backdated(tmp: Path) -> Built:
    """Commits dated years before they were pushed (push times are the caller's)."""
    repo = Repo(tmp / "work")
    long_ago = 1_570_000_000  # October 2019
    base = repo.commit("Add starter code", dict(STARTER), when=long_ago)
    named = {}
    for i, (label, module) in enumerate((("parse", "parser"), ("count", "counter"))):
        named[label] = repo.commit(
            f"Add the {module}",
            {f"{module}.py": code(module, 30), f"tests/test_{module}.py": code("test", 12)},
            when=long_ago + (i + 1) * STEP,
        )
    return _built(repo, write_starter(tmp), base, **named)


def future_dated(tmp: Path) -> Built:
    repo, starter_dir, base = _started(tmp)
    named = _exemplary_commits(repo)
    named["future"] = repo.commit(
        "Add a progress bar", {"progress.py": code("bar", 20)}, when=4_102_444_800
    )  # 2100-01-01
    return _built(repo, starter_dir, base, **named)


def unrelated_history(tmp: Path) -> Built:
    """A history that never held the starter's files: its own first commit instead."""
    repo = Repo(tmp / "work")
    named = {"root": repo.commit("Initial commit", {"main.py": code("main", 10)})}
    named.update(_exemplary_commits(repo))
    return _built(repo, write_starter(tmp), None, **named)


def with_merges(tmp: Path) -> Built:
    repo, starter_dir, base = _started(tmp)
    named = {
        "main-1": repo.commit(
            "Add a word tokeniser",
            {"tokenise.py": code("token", 24), "tests/test_tokenise.py": code("test_token", 16)},
        )
    }
    repo.git("checkout", "-q", "-b", "feature")
    named["feature-1"] = repo.commit(
        "Count word frequencies",
        {"wordfreq.py": code("count", 30), "tests/test_wordfreq.py": code("test_count", 20)},
    )
    named["feature-2"] = repo.commit(
        "Sort ties alphabetically",
        {"wordfreq.py": code("count", 36), "tests/test_wordfreq.py": code("test_count", 26)},
    )
    repo.git("checkout", "-q", "main")
    named["main-2"] = repo.commit(
        "Add a command-line interface",
        {"cli.py": code("cli", 28), "tests/test_cli.py": code("test_cli", 18)},
    )
    repo.clock += STEP
    repo.git("merge", "-q", "--no-ff", "-m", "merged the feature branch.", "feature")
    named["merge"] = repo.git("rev-parse", "HEAD")
    return _built(repo, starter_dir, base, **named)


def everything_wrong(tmp: Path) -> Built:
    """Enough penalties in one commit to go below zero before the clamp."""
    repo, starter_dir, base = _started(tmp)
    bad = repo.commit(
        "wip",
        {
            ".env": f"GITHUB_TOKEN={GITHUB_TOKEN}\n",
            "config.py": f'AWS_KEY = "{AWS_KEY}"\nDB_PASSWORD = "kX9#mQ2$vL7pR4wZ"\n',
            "venv/pyvenv.cfg": "home = /usr/bin\n",
            "node_modules/left-pad/index.js": code("pad", 10),
            "build/lib/wordfreq.py": code("count", 10),
            "wordfreq.py": code("count", 300),
        },
    )
    return _built(repo, starter_dir, base, bad=bad)


def big_history(tmp: Path, n_commits: int) -> Built:
    """A bare repository of the starter plus ``n_commits`` commits, made by git fast-import."""
    bare = tmp / "big.git"
    run_git(["init", "-q", "--bare", "-b", "main", str(bare)], tmp)
    stream, files = [], {**STARTER}
    for i in range(n_commits + 1):
        if i:
            module = f"pkg/mod{i % 25}.py"
            files[module] = files.get(module, "") + code(f"f{i}", 6)
            files[f"tests/test_mod{i % 25}.py"] = code(f"t{i}", 4 + i % 7)
            changed = [module, f"tests/test_mod{i % 25}.py"]
            message = f"Extend module {i % 25} with step {i}\n"
        else:
            changed, message = list(STARTER), "Add starter code\n"
        stream.append(_fast_import_commit(i, message, {p: files[p] for p in changed}))
    run_git(["fast-import", "--quiet"], bare, stdin="".join(stream).encode())
    base = run_git(["rev-list", "--max-parents=0", "main"], bare)
    return Built(bare, run_git(["rev-parse", "main"], bare), write_starter(tmp), base)


def _fast_import_commit(i: int, message: str, files: Mapping[str, str]) -> str:
    def data(text: str) -> str:
        return f"data {len(text.encode())}\n{text}\n"

    who = f"Candidate <candidate@example.com> {T0 + i * 300} +0000"
    lines = [
        f"commit refs/heads/main\nmark :{i + 1}\nauthor {who}\ncommitter {who}\n",
        data(message),
    ]
    lines += [f"M 100644 inline {path}\n{data(content)}" for path, content in files.items()]
    return "".join(lines)


def time_history(n_commits: int) -> float:
    """Seconds that analyse_history takes on a fresh ``n_commits``-commit history."""
    with tempfile.TemporaryDirectory(prefix="history-bench-") as scratch:
        built = big_history(Path(scratch), n_commits)
        started = time.perf_counter()
        analyse_history(
            built.repo,
            built.tip,
            starter_dir=built.starter_dir,
            push_times={built.tip: datetime.now(UTC)},
        )
        return time.perf_counter() - started
