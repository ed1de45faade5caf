"""What is graded: a challenge prepared as the worker prepares it, a candidate's repository
holding its reference solution, and reference 1's containers for it.

``prepare_subject`` takes the first challenge of a list that prepares (a
``synthetic`` one is generated: word-frequency with a much larger hidden
suite); ``start_references`` starts one long-lived container per lane, the
tree and the hidden suite copied in once.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import fetch
from grader.catalogue import register
from grader.challenge import load_challenge
from grader.config import Settings
from grader.errors import GraderError
from grader.images import ImageBuilder
from grader.languages import support
from grader.prepare import PreparedChallenge, locate_challenge, prepare
from grader.sandbox import DockerSandbox
from grader.workspace import build_workspace
from scripts.bench.common import PROJECT_ROOT, log
from tests.support.git import git, identity

REF_LABEL = "grader.bench"
AUTHOR = identity("Bench Candidate", "bench@example.com")


@dataclass
class Subject:
    label: str  # small | heavy
    path: Path
    prepared: PreparedChallenge
    repo: Path  # bare repository under <data>/repos
    workspace_tar: bytes = b""
    references: list[Any] = field(default_factory=list)  # running reference containers, a lane each
    header: dict[str, Any] = field(default_factory=dict)  # the supervisor's header, for them

    @property
    def id(self) -> str:
        return self.prepared.challenge.id

    @property
    def image(self) -> str:
        return self.prepared.image.reference


def synthetic_challenge(dest: Path, tests: int = 400) -> Path:
    """word-frequency with a much larger hidden suite, when no heavier challenge validates."""
    source = PROJECT_ROOT / "challenges" / "word-frequency"
    root = dest / "word-frequency-heavy"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = (root / "challenge.toml").read_text()
    manifest = manifest.replace('id = "word-frequency"', 'id = "word-frequency-heavy"')
    manifest = manifest.replace(
        'tests = ["hidden/test_basic.py::*"]',
        'tests = ["hidden/test_basic.py::*", "hidden/test_synthetic.py::*"]',
    )
    (root / "challenge.toml").write_text(manifest)
    (root / "hidden" / "test_synthetic.py").write_text(
        "import random\n\nimport pytest\n\nfrom wordfreq import count_words, top_words\n\n\n"
        f"@pytest.mark.parametrize('seed', range({tests}))\n"
        "def test_synthetic_text(seed):\n"
        "    rng = random.Random(seed)\n"
        "    words = [rng.choice(['alpha', 'beta', 'gamma', 'delta']) for _ in range(2000)]\n"
        "    counts = count_words(' '.join(words))\n"
        "    assert sum(counts.values()) == len(words)\n"
        "    assert len(top_words(' '.join(words), 2)) == 2\n"
    )
    return root


def prepare_subject(
    label: str,
    candidates: list[str],
    settings: Settings,
    builder: ImageBuilder,
    sandbox: DockerSandbox,
    warnings: list[str],
) -> Subject:
    """The first of ``candidates`` that prepares, registered; the others are warned about."""
    for spec in candidates:
        try:
            if spec == "synthetic":
                path = synthetic_challenge(settings.data_dir)
                challenge = load_challenge(path)
            else:
                challenge = locate_challenge(spec, settings)
                path = challenge.root
            log(f"preparing {label} challenge {challenge.id}")
            prepared = prepare(challenge, builder, sandbox, settings)
        except GraderError as exc:
            warnings.append(f"{label} challenge {spec} cannot be used: {exc}")
            log(warnings[-1])
            continue
        register(settings, prepared, str(path))
        return Subject(label, path, prepared, submission_repo(prepared, settings))
    raise SystemExit(f"bench: no usable {label} challenge among {candidates}")


def submission_repo(prepared: PreparedChallenge, settings: Settings) -> Path:
    """The reference solution as a candidate would push it: the starter, then the solution."""
    root = prepared.challenge.root
    work = settings.data_dir / "work" / prepared.challenge.id
    work.mkdir(parents=True)
    git(work, "init", "--quiet", "--initial-branch=main", author=AUTHOR)
    shutil.copytree(root / "starter", work, dirs_exist_ok=True)
    git(work, "add", "--all", author=AUTHOR)
    git(work, "commit", "--quiet", "-m", "Start from the starter", author=AUTHOR)
    shutil.copytree(root / "solution", work, dirs_exist_ok=True)
    git(work, "add", "--all", author=AUTHOR)
    git(work, "commit", "--quiet", "-m", f"Solve {prepared.challenge.title}", author=AUTHOR)
    bare = settings.subdir("repos") / f"{prepared.challenge.id}.git"
    git(work, "clone", "--bare", "--quiet", str(work), str(bare), author=AUTHOR)
    return bare


def start_references(subject: Subject, client: Any, settings: Settings) -> None:
    """Reference 1: one long-lived container of the same image, the tree copied in once."""
    workdir = Path(tempfile.mkdtemp(dir=settings.data_dir))
    fetched = fetch.fetch(
        str(subject.repo), "main", workdir, fetch.FetchPolicy(allow_local=True), 60, 1 << 30
    )
    language = subject.prepared.challenge.language
    subject.workspace_tar = build_workspace(
        fetched.repo_dir, fetch.submission_tree(fetched, 1 << 30), language
    ).tar
    shutil.rmtree(workdir)
    hidden = io.BytesIO()
    with tarfile.open(fileobj=hidden, mode="w") as archive:
        archive.add(
            subject.prepared.challenge.hidden_dir,
            arcname="hidden",
            filter=lambda info: None if "__pycache__" in info.name else info,
        )
    # One container per lane: the supervisor's clean-up (kill -1) reaches every process of
    # its user in its container, so two lanes cannot share one.
    for _lane in range(2):
        container = client.containers.run(
            subject.image,
            ["sleep", "infinity"],
            entrypoint=[],
            detach=True,
            network_mode="none",
            user="10001:10001",
            labels={REF_LABEL: str(os.getpid())},
            log_config={"type": "none"},
        )
        subject.references.append(container)
        container.put_archive("/work", subject.workspace_tar)
        container.put_archive("/work", hidden.getvalue())
        container.exec_run(["chown", "-R", "10001:10001", "/work"], user="0:0")
    runner = support(language)
    subject.header = {
        "command": runner.run_command,
        "args": list(runner.suite_args(subject.prepared.challenge.hidden_dir)),
        "timeout_s": subject.prepared.challenge.limits.timeout_s,
        "output_limit": settings.output_limit_kb * 1024,
    }
