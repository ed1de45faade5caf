#!/usr/bin/env python3
"""`make bench`: how fast the grader is, against the physical limit and a naive grader (issue 9).

Everything is measured in one run, interleaved, so that the ratios stay
meaningful on a shared, noisy machine:

- reference 1, the physical limit: the same hidden suite, run with the same
  command as the sandbox's supervisor, on the same working tree, in an
  already-running container of the same image (`docker exec`, timed inside
  the container): no container to create, no tree to copy, no git, no queue;
- reference 2, the naive grader: per submission a `git clone`, the hidden
  suite copied in, and one `docker run --rm -v <checkout>:/work` running pytest;
- the grader: `pipeline.grade()` in-process (per-stage timings and the
  sandbox stage's Docker calls), `grader grade` as a subprocess, and the
  server path (HTTP POST to a `uvicorn` subprocess -> Redis -> a `grader
  worker` subprocess -> report stored, polled over HTTP);
- throughput with one and two workers against the same number of lanes of
  each reference, and the workers' peak resident memory (process and
  children, sampled from /proc; containers are not the worker's children);
- a profile of where the overhead goes.

Nothing here changes the grader: the sandbox stage's split comes from
wrapping the Docker client of an in-process Engine. The bench uses its own
data folder (images and inventories copied from the shared one), its own
SQLite database and a dedicated Redis database (flushed before and after;
default db 14, never the tests' db 15). See docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import inspect
import io
import itertools
import json
import os
import platform
import pstats
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from grader.config import Settings, get_settings  # noqa: E402
from grader.engine import LABEL, Engine  # noqa: E402
from grader.prepare import PreparedChallenge  # noqa: E402
from grader.runner.supervise import SAFE_ENV  # noqa: E402  (the sandbox's own environment)
from grader.sandbox import DockerSandbox  # noqa: E402

LONG_POLL_S = 30.0  # the API path's report requests wait this long at most (?wait=)
THROUGHPUT_POLL_S = 0.25  # the throughput batches poll the database this often
STAGES = ("fetch", "workspace", "sandbox", "results", "history", "score")
# The sandbox stage's Docker calls on the grading's critical path. With a warm pool, create and
# start happen beforehand in the background (and are 0 here) and take_check is the pool's
# is-it-running check; run is from the tree being sent to the stream's end.
SPLIT = ("take_check", "create", "start", "attach", "run", "wait", "reload", "remove")
AUTHOR_ENV = {
    "GIT_AUTHOR_NAME": "Bench Candidate",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench Candidate",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
REF_LABEL = "grader.bench"
# Runs a command N times inside a reference container; prints each run's duration.
COMMAND_DRIVER = r"""
import json, subprocess, sys, time
command, runs, env = json.loads(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
out = []
for i in range(runs):
    started = time.monotonic()
    done = subprocess.run(command, cwd="/work", env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out.append([time.monotonic() - started, done.returncode])
print(json.dumps(out))
"""
# Runs the hidden suite N times the way the sandbox's supervisor does, with the supervisor's
# own code from the image (its command, results channel and clock: `duration_s`), but none
# of the sandbox around it. Whatever shape the supervisor has, within reason.
SUITE_DRIVER = r"""
import inspect, json, os, sys
sys.path.insert(0, "/opt/grader")
import supervise
header, runs = json.loads(sys.argv[1]), int(sys.argv[2])
timeout, limit = float(header["timeout_s"]), int(header["output_limit"])
out = []
for i in range(runs):
    if hasattr(supervise, "ResultsPipe"):
        takes = inspect.signature(supervise.ResultsPipe).parameters
        results = (supervise.ResultsPipe(header["command"] != "node") if takes
                   else supervise.ResultsPipe())
        # The physical limit runs the tests in one process: no candidate processes (control).
        extra = [None] if len(inspect.signature(supervise.build_command).parameters) > 2 else []
        command = supervise.build_command(header, results, *extra)
        outcome = supervise.run(command, timeout, limit, results)
    else:
        path = "/tmp/ref-%d-%d.jsonl" % (os.getpid(), i)
        outcome = supervise.run(supervise.build_command(header, path), timeout, limit)
        if os.path.exists(path):
            os.unlink(path)
    out.append([outcome["duration_s"], outcome["exit_code"]])
print(json.dumps(out))
"""


# -- small helpers ---------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(samples: list[float], reference: dict[str, Any] | None = None) -> dict[str, Any]:
    """Median and p95 in seconds, and as ratios to reference 1's median and p95."""
    out: dict[str, Any] = {
        "n": len(samples),
        "median_s": round(statistics.median(samples), 4) if samples else None,
        "p95_s": round(percentile(samples, 95), 4) if samples else None,
        "min_s": round(min(samples), 4) if samples else None,
        "max_s": round(max(samples), 4) if samples else None,
        "samples_s": [round(s, 4) for s in samples],
    }
    if reference and samples and reference.get("median_s"):
        out["ratio_median"] = round(out["median_s"] / reference["median_s"], 3)
        out["ratio_p95"] = round(out["p95_s"] / reference["p95_s"], 3)
    return out


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **AUTHOR_ENV},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], timeout_s: float, every_s: float = 0.02) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout_s:.0f}s waiting until {what}")
        time.sleep(every_s)


# -- the sandbox stage's Docker calls, timed from outside the grader --------------------------
class CallRecorder:
    """Docker calls as they happen, by thread: the grading's own thread is its critical path;
    the warm pool's refills and background removals run in other threads."""

    def __init__(self) -> None:
        self.events: list[tuple[str, float, float]] = []
        self.background: dict[str, list[float]] = {}
        self.owner = threading.get_ident()
        self._lock = threading.Lock()

    def record(self, name: str, started: float, ended: float) -> None:
        with self._lock:
            if threading.get_ident() == self.owner:
                self.events.append((name, started, ended))
            else:
                self.background.setdefault(name, []).append(ended - started)

    def reset(self) -> None:
        with self._lock:
            self.events.clear()
            self.owner = threading.get_ident()

    def split(self) -> dict[str, float]:
        """The grading thread's Docker calls: see SPLIT."""
        with self._lock:
            events = list(self.events)
        out = dict.fromkeys(SPLIT, 0.0)
        attach = next((e for e in events if e[0] == "attach_socket"), None)
        wait = next((e for e in events if e[0] == "wait"), None)
        for name, started, ended in events:
            if name == "reload":
                # before the attach: the pool's is-it-still-running check; after: final state
                key = "take_check" if attach is None or started < attach[1] else "reload"
            elif name == "attach_socket":
                key = "attach"
            else:
                key = name
            if key in out and key != "run":
                out[key] += ended - started
        if attach and wait:
            begin = max(attach[2], max((e[2] for e in events if e[0] == "start"), default=0.0))
            out["run"] = wait[1] - begin
        out["warm"] = 0.0 if any(e[0] == "create" for e in events) else 1.0
        return out


class _TimedContainer:
    TIMED = frozenset({"attach_socket", "start", "wait", "reload", "remove", "kill"})

    def __init__(self, inner: Any, recorder: CallRecorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in self.TIMED or not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self._recorder.record(name, started, time.perf_counter())

        return timed


class _TimedContainers:
    def __init__(self, inner: Any, recorder: CallRecorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def create(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        container = self._inner.create(*args, **kwargs)
        self._recorder.record("create", started, time.perf_counter())
        return _TimedContainer(container, self._recorder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TimedClient:
    def __init__(self, inner: Any, recorder: CallRecorder) -> None:
        self._inner = inner
        self.containers = _TimedContainers(inner.containers, recorder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


# -- resident memory of a process tree, from /proc ------------------------------------------
def _status_kb(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (status) and Pss (smaps_rollup: shared pages divided among their users)."""
    out: dict[str, int] = {}
    for path, keys in (
        (f"/proc/{pid}/status", ("VmRSS:", "VmHWM:")),
        (f"/proc/{pid}/smaps_rollup", ("Pss:",)),
    ):
        try:
            with open(path) as handle:
                for line in handle:
                    if line.startswith(keys):
                        key, value = line.split(":", 1)
                        out[key] = int(value.split()[0])
        except (OSError, ValueError):
            pass
    return out


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


class MemorySampler(threading.Thread):
    """Peak memory of each watched worker with all its descendants (job forks, git...)."""

    def __init__(self, interval_s: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.roots: dict[int, str] = {}
        self.peaks: dict[int, dict[str, Any]] = {}
        self.samples = 0
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def watch(self, pid: int, label: str) -> None:
        with self._lock:
            self.roots[pid] = label
            self.peaks[pid] = {
                "label": label,
                "tree_pss_kb": 0,
                "tree_rss_kb": 0,
                "main_rss_kb": 0,
                "main_hwm_kb": 0,
                "child_rss_kb": 0,
                "child_hwm_kb": 0,
                "processes_at_peak": [],
            }

    def unwatch(self, pid: int) -> None:
        self.sample_once()  # the last look, with VmHWM, before it goes
        with self._lock:
            self.roots.pop(pid, None)

    def run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self.sample_once()

    def stop(self) -> None:
        self._stop_event.set()

    def sample_once(self) -> None:
        with self._lock:
            roots = dict(self.roots)
        if not roots:
            return
        children = _children_map()
        self.samples += 1
        for root in roots:
            tree, stack = [], [root]
            while stack:
                pid = stack.pop()
                tree.append(pid)
                stack.extend(children.get(pid, []))
            statuses = {pid: _status_kb(pid) for pid in tree}
            total = sum(s.get("VmRSS", 0) for s in statuses.values())
            pss = sum(s.get("Pss", 0) for s in statuses.values())
            peak = self.peaks[root]
            main = statuses.get(root, {})
            peak["main_rss_kb"] = max(peak["main_rss_kb"], main.get("VmRSS", 0))
            peak["main_hwm_kb"] = max(peak["main_hwm_kb"], main.get("VmHWM", 0))
            for pid, status in statuses.items():
                if pid != root:
                    peak["child_rss_kb"] = max(peak["child_rss_kb"], status.get("VmRSS", 0))
                    peak["child_hwm_kb"] = max(peak["child_hwm_kb"], status.get("VmHWM", 0))
            peak["tree_rss_kb"] = max(peak["tree_rss_kb"], total)
            if pss > peak["tree_pss_kb"]:
                peak["tree_pss_kb"] = pss
                peak["processes_at_peak"] = [
                    f"{_comm(pid)} rss={status.get('VmRSS', 0) >> 10}MB "
                    f"pss={status.get('Pss', 0) >> 10}MB"
                    for pid, status in statuses.items()
                ]


# -- what is graded ----------------------------------------------------------------------------
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


# -- the bench --------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.started = time.monotonic()
        shared = get_settings()
        self.shared = shared
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-", dir=shared.subdir("tmp")))
        for name in ("images.json",):
            if (shared.data_dir / name).is_file():
                shutil.copy(shared.data_dir / name, self.data_dir / name)
        for name in ("inventory", "locks"):
            if (shared.data_dir / name).is_dir():
                shutil.copytree(shared.data_dir / name, self.data_dir / name)
        self.settings: Settings = shared.model_copy(
            update={
                "data_dir": self.data_dir,
                "database_url": f"sqlite:///{self.data_dir / 'grader.db'}",
                "redis_url": args.redis_url,
            }
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_NOTIFY")}
        self.env.update(
            {
                "GRADER_DATA_DIR": str(self.data_dir),
                "GRADER_DATABASE_URL": self.settings.effective_database_url,
                "GRADER_REDIS_URL": args.redis_url,
            }
        )
        self.recorder = CallRecorder()
        self.engine = Engine(self.settings.docker_timeout_s)
        self.client = self.engine._client  # the plain client, for the references
        self.engine._client = _TimedClient(self.client, self.recorder)
        from grader.images import ImageBuilder

        self.builder = ImageBuilder(self.settings, self.engine, log=lambda m: log(f"images: {m}"))
        # The worker's configuration: warm sandboxes where this version of the grader has them.
        self.warm = "warm" in inspect.signature(DockerSandbox).parameters
        kwargs: dict[str, Any] = {"warm": True} if self.warm else {}
        self.sandbox = DockerSandbox(self.settings, self.engine, **kwargs)
        self.subjects: list[Subject] = []
        self._timings: dict[str, dict[str, float]] = {}
        self.redis_in_use = False
        self.processes: list[subprocess.Popen[bytes]] = []
        self.sampler = MemorySampler(args.memory_interval)
        self.warnings: list[str] = []
        self.token = ""
        self.api_url = ""
        self.logs = self.data_dir / "logs"
        self.logs.mkdir()

    # -- set-up ------------------------------------------------------------------------------
    def setup(self) -> None:
        from redis import Redis

        from grader.store import repo
        from grader.store.db import migrate, session_scope

        migrate(self.settings.effective_database_url)
        redis = Redis.from_url(self.args.redis_url, socket_timeout=5)
        keys = redis.dbsize()
        if keys and not self.args.redis_flush:
            self.redis_in_use = True
            raise SystemExit(
                f"bench: {self.args.redis_url} holds {keys} key(s): something else may use it. "
                "Pick another database (--redis-url) or pass --redis-flush."
            )
        redis.flushdb()
        with session_scope(self.settings.effective_database_url) as session:
            self.token, _row = repo.create_token(session, "admin", "bench")
        self.subjects.append(self._subject("small", [self.args.small]))
        self.subjects.append(self._subject("heavy", self.args.heavy.split(",")))
        for subject in self.subjects:
            self._start_reference(subject)
        self.sampler.start()

    def _subject(self, label: str, candidates: list[str]) -> Subject:
        from grader.catalogue import register
        from grader.challenge import load_challenge
        from grader.errors import GraderError
        from grader.prepare import locate_challenge, prepare

        for spec in candidates:
            try:
                if spec == "synthetic":
                    path = synthetic_challenge(self.data_dir)
                    challenge = load_challenge(path)
                else:
                    challenge = locate_challenge(spec, self.settings)
                    path = challenge.root
                log(f"preparing {label} challenge {challenge.id}")
                prepared = prepare(challenge, self.builder, self.sandbox, self.settings)
            except GraderError as exc:
                self.warnings.append(f"{label} challenge {spec} cannot be used: {exc}")
                log(self.warnings[-1])
                continue
            register(self.settings, prepared, str(path))
            return Subject(label, path, prepared, self._submission_repo(prepared))
        raise SystemExit(f"bench: no usable {label} challenge among {candidates}")

    def _submission_repo(self, prepared: PreparedChallenge) -> Path:
        """The reference solution as a candidate would push it: the starter, then the solution."""
        root = prepared.challenge.root
        work = self.data_dir / "work" / prepared.challenge.id
        work.mkdir(parents=True)
        git(work, "init", "--quiet", "--initial-branch=main")
        shutil.copytree(root / "starter", work, dirs_exist_ok=True)
        git(work, "add", "--all")
        git(work, "commit", "--quiet", "-m", "Start from the starter")
        shutil.copytree(root / "solution", work, dirs_exist_ok=True)
        git(work, "add", "--all")
        git(work, "commit", "--quiet", "-m", f"Solve {prepared.challenge.title}")
        bare = self.settings.subdir("repos") / f"{prepared.challenge.id}.git"
        git(work, "clone", "--bare", "--quiet", str(work), str(bare))
        return bare

    def _start_reference(self, subject: Subject) -> None:
        """Reference 1: one long-lived container of the same image, the tree copied in once."""
        from grader import fetch
        from grader.workspace import build_workspace

        workdir = Path(tempfile.mkdtemp(dir=self.data_dir))
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
            container = self.client.containers.run(
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
        if language == "python":
            args = ["hidden"]
        else:
            from grader.prepare import node_test_args

            args = list(node_test_args(subject.prepared.challenge.hidden_dir))
        subject.header = {
            "command": language if language == "node" else "pytest",
            "args": args,
            "timeout_s": subject.prepared.challenge.limits.timeout_s,
            "output_limit": self.settings.output_limit_kb * 1024,
        }

    def leftovers(self) -> list[Any]:
        """Sandboxes still there whose hidden suite comes from this bench's data folder."""
        found = []
        for container in self.client.containers.list(all=True, filters={"label": LABEL}):
            sources = [m.get("Source", "") for m in container.attrs.get("Mounts", [])]
            if any(source.startswith(str(self.data_dir)) for source in sources):
                found.append(container)
        return found

    def close(self) -> None:
        self.sampler.stop()
        with contextlib.suppress(Exception):
            getattr(self.sandbox, "close", lambda: None)()  # the in-process warm sandboxes
        with contextlib.suppress(Exception):
            for container in self.leftovers():
                log(f"removing a sandbox the bench left: {container.short_id}")
                container.remove(force=True, v=True)
        for process in self.processes:
            self._stop(process)
        for subject in self.subjects:
            for container in subject.references:
                with contextlib.suppress(Exception):
                    container.remove(force=True)
        if not self.redis_in_use:
            with contextlib.suppress(Exception):
                from redis import Redis

                Redis.from_url(self.args.redis_url, socket_timeout=5).flushdb()
        if not self.args.keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- subprocesses ------------------------------------------------------------------------
    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stopping it stops its children too
            )
        self.processes.append(process)
        return process

    def _stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if process in self.processes:
            self.processes.remove(process)

    def start_workers(self, count: int, tag: str) -> list[subprocess.Popen[bytes]]:
        from redis import Redis
        from rq import Worker

        from grader.queue import grading_queue

        workers = []
        for index in range(count):
            worker = self._spawn(f"worker-{tag}-{index}", [*self._grader(), "worker"])
            self.sampler.watch(worker.pid, f"{tag}-{index}")
            workers.append(worker)
        connection = Redis.from_url(self.args.redis_url, socket_timeout=5)
        queue = grading_queue(self.settings)

        def ready() -> bool:
            for worker in workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"a worker exited ({worker.returncode}); see {self.logs}")
            return Worker.count(connection=connection, queue=queue) >= count

        wait_for(f"{count} worker(s) listen", ready, 120, 0.1)
        return workers

    def stop_workers(self, workers: list[subprocess.Popen[bytes]]) -> None:
        for worker in workers:
            self.sampler.unwatch(worker.pid)
        for worker in workers:
            self._stop(worker)

    def _grader(self) -> list[str]:
        script = Path(sys.executable).parent / "grader"
        return [str(script)] if script.exists() else [sys.executable, "-m", "grader.cli"]

    def start_api(self) -> None:
        port = free_port()
        self._spawn(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
        )
        self.api_url = f"http://127.0.0.1:{port}"
        import httpx

        self.http = httpx.Client(
            base_url=self.api_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

        def up() -> bool:
            try:
                return self.http.get("/api/challenges").status_code == 200
            except httpx.HTTPError:
                return False

        wait_for("the API answers", up, 60, 0.1)

    # -- one measurement of each kind ----------------------------------------------------------
    def reference_runs(self, subject: Subject, runs: int, lanes: int = 1) -> dict[str, Any]:
        """Reference 1: `runs` suite runs split over `lanes` concurrent `docker exec`s, each
        timed inside its container by the supervisor's own clock."""
        import docker

        per_lane = [runs // lanes + (1 if i < runs % lanes else 0) for i in range(lanes)]
        results: list[Any] = [None] * lanes

        def lane(index: int) -> None:
            client = self.client if lanes == 1 else docker.from_env(timeout=300)
            container = client.containers.get(subject.references[index].id)
            code, output = container.exec_run(
                [
                    "python3",
                    "-I",
                    "-c",
                    SUITE_DRIVER,
                    json.dumps(subject.header),
                    str(per_lane[index]),
                ],
                user="10001:10001",
                workdir="/work",
            )
            if code != 0:
                raise RuntimeError(f"reference driver failed: {output.decode(errors='replace')}")
            results[index] = json.loads(output.decode().strip().splitlines()[-1])

        started = time.perf_counter()
        threads = [threading.Thread(target=lane, args=(i,)) for i in range(lanes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        durations = [d for lane_result in results for d, _code in lane_result]
        codes = [c for lane_result in results for _d, c in lane_result]
        if any(codes):
            self.warnings.append(f"reference run of {subject.id} exited {codes}")
        # The lanes' own busy time, without starting `docker exec` (the limit has no exec).
        busy = max(sum(d for d, _code in lane_result) for lane_result in results)
        return {"durations": durations, "wall_s": wall, "busy_wall_s": busy}

    def naive_once(self, subject: Subject) -> float:
        """Reference 2: clone, copy the hidden suite in, `docker run --rm -v` pytest."""
        started = time.perf_counter()
        checkout = Path(tempfile.mkdtemp(prefix="naive-", dir=self.data_dir))
        try:
            checkout.chmod(0o755)
            subprocess.run(
                ["git", "clone", "--quiet", "--no-local", str(subject.repo), str(checkout / "w")],
                check=True,
                capture_output=True,
            )
            tree = checkout / "w"
            shutil.copytree(subject.prepared.challenge.hidden_dir, tree / "hidden")
            language = subject.prepared.challenge.language
            if language == "python":
                command = ["/opt/venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
                command.append("hidden")
            else:
                from grader.prepare import node_test_args

                command = ["node", "--test", *node_test_args(tree / "hidden")]
            done = subprocess.run(
                [
                    "docker",
                    "run",
                    "--rm",
                    "--network",
                    "none",
                    "-v",
                    f"{tree}:/work",
                    "-w",
                    "/work",
                    "--entrypoint",
                    command[0],
                    subject.image,
                    *command[1:],
                ],
                capture_output=True,
            )
            if done.returncode != 0:
                tail = done.stdout.decode(errors="replace")[-500:]
                self.warnings.append(f"naive run of {subject.id} exited {done.returncode}: {tail}")
        finally:
            shutil.rmtree(checkout, ignore_errors=True)
        return time.perf_counter() - started

    def inprocess_once(self, subject: Subject, profile: cProfile.Profile | None = None) -> Any:
        from grader.fetch import FetchPolicy
        from grader.pipeline import grade

        self.recorder.reset()
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        try:
            grading = grade(
                subject.prepared,
                str(subject.repo),
                "main",
                settings=self.settings,
                sandbox=self.sandbox,
                policy=FetchPolicy(allow_local=True),
            )
        finally:
            if profile is not None:
                profile.disable()
        wall = time.perf_counter() - started
        self._check_report(subject, grading.report.to_dict(), "in-process")
        wires = {w.id for w in grading.tripwires}
        records = grading.artifacts.records if grading.artifacts else []
        return {
            "wall_s": wall,
            "timings": dict(grading.timings),
            "split": self.recorder.split(),
            "suite_s": grading.artifacts.duration_s if grading.artifacts else 0.0,
            "tripwires": len(wires),
            # the planted tests' own run time, inside the suite's (mirrors re-run real tests)
            "tripwire_tests_s": _tripwire_time(records, wires),
        }

    def cli_once(self, subject: Subject) -> dict[str, Any]:
        started = time.perf_counter()
        done = subprocess.run(
            [
                *self._grader(),
                "grade",
                "--challenge",
                str(subject.path),
                "--repo",
                str(subject.repo),
                "--ref",
                "main",
                "--json",
            ],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"grader grade failed: {done.stderr.decode(errors='replace')}")
        report = json.loads(done.stdout)
        self._check_report(subject, report, "CLI")
        return {"wall_s": wall, "timings": report.get("timings", {})}

    def api_once(self, subject: Subject) -> dict[str, Any]:
        started_at = time.time()
        started = time.perf_counter()
        answer = self.http.post(
            "/api/submissions", json={"challenge": subject.id, "repo": str(subject.repo)}
        )
        posted = time.perf_counter()
        if answer.status_code != 202:
            raise RuntimeError(f"POST /api/submissions: {answer.status_code} {answer.text}")
        submission_id = answer.json()["id"]
        report: dict[str, Any] = {}
        seen: list[float] = []

        # As a client would wait: long polling (?wait=), or plain polling with --poll-interval.
        polling = self.args.poll_interval > 0
        query = "" if polling else f"?wait={LONG_POLL_S:g}"

        def available() -> bool:
            got = self.http.get(
                f"/api/submissions/{submission_id}/report{query}", timeout=LONG_POLL_S + 30
            )
            if got.status_code == 200:
                seen.append(time.time())
                report.update(got.json())
                return True
            return False

        wait_for("the report is stored", available, 600, self.args.poll_interval if polling else 0)
        wall = time.perf_counter() - started
        self._check_report(subject, report, "API")
        events, suite_s = self._stored(submission_id)
        detail = self._job_detail(submission_id)
        grade_s = sum(float(v) for v in report.get("timings", {}).values())
        return {
            "wall_s": wall,
            "suite_s": suite_s,
            "tripwire_tests_s": events.get("_tripwire_tests_s", 0.0),
            "post_s": posted - started,
            "timings": report.get("timings", {}),
            "queued_to_running_s": events.get("running", 0) - events.get("queued", 0),
            "submit_to_running_s": events.get("running", started_at) - started_at,
            "submit_to_rq_start_s": detail["rq_started"] - started_at,
            "rq_start_to_claim_s": detail["running"] - detail["rq_started"],
            "running_to_stored_s": events.get("graded", 0) - events.get("running", 0),
            "job_overhead_s": events.get("graded", 0) - events.get("running", 0) - grade_s,
            "stored_to_seen_s": seen[0] - events.get("graded", seen[0]),
        }

    def _job_detail(self, submission_id: str) -> dict[str, Any]:
        """One queued grading's timeline: database events, the rq job's stamps, the report."""
        from redis import Redis
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        events, suite_s = self._stored(submission_id)
        final = next((events[s] for s in ("graded", "tampered", "error") if s in events), 0.0)
        try:
            job = Job.fetch(
                f"grade-{submission_id}", connection=Redis.from_url(self.args.redis_url)
            )
            deadline = time.monotonic() + 10
            while job.ended_at is None and time.monotonic() < deadline:  # stamped after the DB
                time.sleep(0.05)
                job.refresh()  # type: ignore[no-untyped-call]
        except NoSuchJobError:  # something flushed the bench's Redis database meanwhile
            self.warnings.append(f"the rq job of {submission_id} vanished from Redis")
            job = Job(f"grade-{submission_id}", connection=Redis.from_url(self.args.redis_url))

        def stamp(value: datetime | None) -> float:
            if value is None:
                return 0.0
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()

        started, ended = stamp(job.started_at), stamp(job.ended_at)
        return {
            "worker": job.worker_name or "",
            "queued": events.get("queued", 0.0),
            "rq_started": started,
            "running": events.get("running", 0.0),
            "final": final,
            "rq_ended": ended,
            "suite_s": suite_s,
            "grade_s": events.get("_grade_s", 0.0),
            "timings": self._timings.pop(submission_id, {}),
        }

    def _stored(self, submission_id: str) -> tuple[dict[str, float], float]:
        """When each status was reached, and the suite's own run time the worker stored."""
        from grader.store import repo
        from grader.store.db import session_scope

        out: dict[str, float] = {}
        with session_scope(self.settings.effective_database_url) as session:
            for event in repo.events_of(session, submission_id):
                at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
                out.setdefault(event.status, at.timestamp())
            found = repo.report_of(session, submission_id)
            stored = (found.artifacts or {}) if found else {}
            timings = (found.report or {}).get("timings", {}) if found else {}
            out["_grade_s"] = sum(float(v) for v in timings.values())
            self._timings[submission_id] = {k: float(v) for k, v in timings.items()}
        artifacts = stored.get("artifacts") or {}
        suite_s = float(artifacts.get("duration_s") or 0.0)
        wires = {w.get("id") for w in stored.get("tripwires") or [] if isinstance(w, dict)}
        out["_tripwire_tests_s"] = _tripwire_time(artifacts.get("records") or [], wires)
        return out, suite_s

    def _check_report(self, subject: Subject, report: dict[str, Any], path: str) -> None:
        failed = [t["id"] for t in report.get("tests", []) if t.get("outcome") != "passed"]
        if report.get("status") != "graded" or failed:
            self.warnings.append(
                f"{path} grading of {subject.id}: status {report.get('status')}, "
                f"not passed: {failed[:5]}"
            )

    # -- phases ------------------------------------------------------------------------------
    def latency(self) -> dict[str, Any]:
        runs = self.args.runs
        self.start_api()
        workers = self.start_workers(1, "api")
        methods: dict[str, Callable[[Subject], Any]] = {
            "reference": lambda s: self.reference_runs(s, 1)["durations"][0],
            "naive": self.naive_once,
            "inprocess": self.inprocess_once,
            "cli": self.cli_once,
            "api_queue": self.api_once,
        }
        raw: dict[str, dict[str, list[Any]]] = {
            s.id: {name: [] for name in methods} for s in self.subjects
        }
        try:
            if not self.args.quick:
                log("warm-up: one run of every path")
                for subject in self.subjects:
                    for method in methods.values():
                        method(subject)
            for iteration in range(runs):
                for subject in self.subjects:
                    if subject.label == "heavy" and iteration >= self.args.heavy_runs:
                        continue
                    order = list(methods)
                    self.rng.shuffle(order)
                    for name in order:
                        raw[subject.id][name].append(methods[name](subject))
                        # Let the last grading's background work (a warm pool's refill, a
                        # removal) end, so that it does not land on the next measurement.
                        time.sleep(self.args.settle)
                log(f"latency: iteration {iteration + 1}/{runs} done ({self._elapsed()})")
        finally:
            self.stop_workers(workers)
        return self._latency_summary(raw)

    def _latency_summary(self, raw: dict[str, dict[str, list[Any]]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for subject in self.subjects:
            data = raw[subject.id]
            ref = summary(data["reference"])
            walls = {
                "naive": data["naive"],
                "inprocess": [r["wall_s"] for r in data["inprocess"]],
                "cli": [r["wall_s"] for r in data["cli"]],
                "api_queue": [r["wall_s"] for r in data["api_queue"]],
            }
            entry: dict[str, Any] = {"reference_physical": ref}
            for name, samples in walls.items():
                entry[name] = summary(samples, ref)
                # Paired with the reference run of the same iteration: what is not the suite.
                paired = [w - r for w, r in zip(samples, data["reference"], strict=True)]
                entry[name]["overhead_vs_reference"] = summary(paired, ref)
            # Everything that is not the suite's own run, as the supervisor timed it in that run.
            # "The suite's own run" is the challenge's suite: the planted tests are the grader's.
            own = [r["wall_s"] - r["suite_s"] + r["tripwire_tests_s"] for r in data["inprocess"]]
            entry["inprocess"]["overhead_vs_own_suite_run"] = summary(own, ref)
            own = [r["wall_s"] - r["suite_s"] + r["tripwire_tests_s"] for r in data["api_queue"]]
            entry["api_queue"]["overhead_vs_own_suite_run"] = summary(own, ref)
            # The CLI prints no suite time: its suite is taken to run as long as the in-process
            # gradings' did (their median), the same code on the same tree.
            suite = statistics.median(
                r["suite_s"] - r["tripwire_tests_s"] for r in data["inprocess"]
            )
            own = [r["wall_s"] - suite for r in data["cli"]]
            entry["cli"]["overhead_vs_own_suite_run"] = summary(own, ref)
            entry["cli"]["overhead_vs_own_suite_run"]["estimated"] = True
            entry["stages"] = {
                stage: summary([r["timings"].get(stage, 0.0) for r in data["inprocess"]], ref)
                for stage in STAGES
            }
            entry["stages_cli"] = {
                stage: summary([float(r["timings"].get(stage, 0.0)) for r in data["cli"]], ref)
                for stage in STAGES
            }
            entry["stages_worker"] = {
                stage: summary(
                    [float(r["timings"].get(stage, 0.0)) for r in data["api_queue"]], ref
                )
                for stage in STAGES
            }
            split: dict[str, Any] = {}
            for part in SPLIT:
                split[part] = summary([r["split"].get(part, 0.0) for r in data["inprocess"]], ref)
            split["suite_in_container"] = summary([r["suite_s"] for r in data["inprocess"]], ref)
            split["run_minus_suite"] = summary(
                [r["split"].get("run", 0.0) - r["suite_s"] for r in data["inprocess"]], ref
            )
            split["host_side_rest"] = summary(
                [
                    r["timings"].get("sandbox", 0.0) - sum(r["split"].get(p, 0.0) for p in SPLIT)
                    for r in data["inprocess"]
                ],
                ref,
            )
            split["tripwire_tests"] = summary(
                [r["tripwire_tests_s"] for r in data["inprocess"]], ref
            )
            split["tripwires_planted"] = statistics.median(
                r["tripwires"] for r in data["inprocess"]
            )
            split["warm_fraction"] = round(
                statistics.mean(r["split"].get("warm", 0.0) for r in data["inprocess"]), 3
            )
            entry["sandbox_split"] = split
            api = data["api_queue"]
            entry["api_queue_breakdown"] = {
                key: summary([r[key] for r in api], ref)
                for key in (
                    "post_s",
                    "submit_to_rq_start_s",
                    "rq_start_to_claim_s",
                    "submit_to_running_s",
                    "running_to_stored_s",
                    "job_overhead_s",
                    "stored_to_seen_s",
                )
            }
            cli_rest = [
                r["wall_s"] - sum(float(v) for v in r["timings"].values()) for r in data["cli"]
            ]
            entry["cli_outside_grade"] = summary(cli_rest, ref)
            out[subject.id] = entry
        return out

    def throughput(self) -> dict[str, Any]:
        """Gradings per minute with 1 and 2 lanes: references and grader in alternating
        batches of 2 jobs per lane (the grader's workers stay up across its batches), so that
        each kind sees the same spells of load from the rest of the machine."""
        out: dict[str, Any] = {}
        names = self.args.throughput_challenges.split(",")
        subjects = [s for s in self.subjects if s.label in names or s.id in names]
        for subject in subjects:
            per: dict[str, Any] = {}
            for lanes in (1, 2):
                batch = 2 * lanes
                rounds = max(1, -(-self.args.jobs // batch))
                walls = {"reference_physical": 0.0, "grader": 0.0, "naive": 0.0}
                ids: list[str] = []
                workers = self.start_workers(lanes, f"x{lanes}")
                try:
                    for _round in range(rounds):
                        order = list(walls)
                        self.rng.shuffle(order)
                        for kind in order:
                            if kind == "reference_physical":
                                ran = self.reference_runs(subject, batch, lanes)
                                walls[kind] += ran["busy_wall_s"]
                            elif kind == "grader":
                                wall, batch_ids = self._grader_batch(subject, batch)
                                walls[kind] += wall
                                ids += batch_ids
                            else:
                                walls[kind] += self._naive_throughput(subject, batch, lanes)
                finally:
                    self.stop_workers(workers)
                jobs = rounds * batch
                log(
                    f"throughput {subject.id} x{lanes} ({jobs} jobs each): "
                    + ", ".join(f"{k} {v:.2f}s" for k, v in walls.items())
                )
                ref_rate = jobs / walls["reference_physical"] * 60
                per[str(lanes)] = {
                    kind: {
                        "jobs": jobs,
                        "wall_s": round(wall, 3),
                        "per_minute": round(jobs / wall * 60, 2),
                        "ratio": round(jobs / wall * 60 / ref_rate, 3),
                    }
                    for kind, wall in walls.items()
                }
                per[str(lanes)]["grader"]["queue"] = _queue_summary(
                    [self._job_detail(i) for i in ids], walls["grader"], lanes
                )
            out[subject.id] = per
        return out

    def _grader_batch(self, subject: Subject, jobs: int) -> tuple[float, list[str]]:
        """Queue `jobs` gradings for the running workers; the wall time until all are final."""
        from grader import queue as grading
        from grader import submissions
        from grader.store import repo
        from grader.store.db import session_scope

        url = self.settings.effective_database_url
        started = time.time()
        with session_scope(url) as session:
            rows = [
                submissions.create(
                    session, challenge_id=subject.id, repo_url=str(subject.repo), ref="main"
                )
                for _ in range(jobs)
            ]
            session.commit()
            ids = [row.id for row in rows]
            for row in rows:
                grading.enqueue(self.settings, row.id, timeout_s=self.settings.max_job_timeout_s)
        final: dict[str, str] = {}

        def done() -> bool:
            with session_scope(url) as session:
                for i in ids:
                    row = repo.get_submission(session, i)
                    if row is not None and row.status in repo.FINAL:
                        final[i] = row.status
            return len(final) == len(ids)

        # Polled slowly (the poller runs on the same two cores as the workers), and timed
        # by the stamps the workers stored, not by when the poller noticed.
        wait_for(f"{jobs} gradings finish", done, 900, THROUGHPUT_POLL_S)
        wall = max(self._stored(i)[0].get(final[i], time.time()) for i in ids) - started
        bad = [status for status in final.values() if status != "graded"]
        if bad:
            self.warnings.append(f"throughput gradings of {subject.id} ended {bad}")
        return wall, ids

    def _naive_throughput(self, subject: Subject, jobs: int, lanes: int) -> float:
        per_lane = [jobs // lanes + (1 if i < jobs % lanes else 0) for i in range(lanes)]

        def lane(count: int) -> None:
            for _ in range(count):
                self.naive_once(subject)

        started = time.perf_counter()
        threads = [threading.Thread(target=lane, args=(n,)) for n in per_lane]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    # -- the profile -------------------------------------------------------------------------
    def profile(self) -> dict[str, Any]:
        subject = self.subjects[0]
        reps = 3 if self.args.quick else self.args.profile_reps
        out: dict[str, Any] = {"challenge": subject.id, "repetitions": reps}
        out["container_floor"] = self._container_floor(subject, reps)
        out["cpu_seconds"] = cpu = self._cpu_costs(subject, 2 if self.args.quick else 3)
        if "reference_suite" in cpu and "grading_whole_machine" in cpu:
            # On cores kept busy, no grader does better than the suite's share of its CPU.
            whole = max(cpu["grading_whole_machine"]["median_s"], 1e-6)
            out["cpu_bound_throughput_ratio"] = round(cpu["reference_suite"]["median_s"] / whole, 3)
        out["prestarted_container_probe"] = self._pool_probe(subject, reps)
        out["inside_container"] = self._inside(subject, reps)
        out["git"] = self._git(subject, reps)
        out["fresh_process"] = self._cold_start(subject, reps)
        out["workspace_tar_bytes"] = len(subject.workspace_tar)
        profile = cProfile.Profile()
        self.inprocess_once(subject, profile)
        out["cprofile_top"] = _top(profile, 25)
        # The in-process gradings' Docker calls made off their critical path (pool refills,
        # background removals), over the whole latency phase.
        out["off_critical_path_calls"] = {
            name: summary(values) for name, values in sorted(self.recorder.background.items())
        }
        return out

    def _pool_probe(self, subject: Subject, reps: int) -> dict[str, Any]:
        """What a pool of pre-started sandboxes would leave on a grading's critical path.

        Off the critical path: create, attach and start a sandbox exactly as the engine does,
        its hidden/ bind-mounted from an empty host folder, and let the supervisor block on
        stdin. On it: fill the folder with the hidden suite, feed the header and the tree,
        read the frame, wait. Removal is timed apart (it could be done after the report).
        """
        import secrets as secrets_module

        from grader.config import SANDBOX_START_MARGIN_S
        from grader.engine import _BoundedStreamReader, _create_kwargs
        from grader.sandbox import MAX_FRAME_BYTES, SandboxJob, parse_frame

        challenge = subject.prepared.challenge
        if challenge.language != "python":
            return {}
        parts: dict[str, list[float]] = {
            "prepare_off_path": [],
            "critical_path": [],
            "suite": [],
            "critical_minus_suite": [],
            "remove": [],
        }
        for _ in range(reps):
            hidden = Path(tempfile.mkdtemp(prefix="pool-", dir=self.data_dir)) / "hidden"
            hidden.mkdir()
            hidden.parent.chmod(0o755)
            spec = self.sandbox.spec(SandboxJob(subject.image, b"", hidden, challenge.limits))
            t0 = time.perf_counter()
            container = self.client.containers.create(spec.image, **_create_kwargs(spec))
            attached = container.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
            raw = attached._sock
            reader = _BoundedStreamReader(raw, MAX_FRAME_BYTES)
            container.start()
            parts["prepare_off_path"].append(time.perf_counter() - t0)
            time.sleep(1.0)  # the pool's container waits for work
            try:
                t1 = time.perf_counter()
                shutil.copytree(
                    challenge.hidden_dir,
                    hidden,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"),
                )
                nonce = secrets_module.token_hex(16)
                header = {
                    "nonce": nonce,
                    "command": "pytest",
                    "args": ["hidden"],
                    "timeout_s": challenge.limits.timeout_s,
                    "tar_size": len(subject.workspace_tar),
                    "output_limit": self.settings.output_limit_kb * 1024,
                }
                raw.sendall(json.dumps(header).encode() + b"\n" + subject.workspace_tar)
                reader.start()
                reader.join(timeout=challenge.limits.timeout_s + SANDBOX_START_MARGIN_S)
                raw.close()
                container.wait(timeout=10)
                t2 = time.perf_counter()
                artifacts = parse_frame(bytes(reader.data), nonce)
                parts["critical_path"].append(t2 - t1)
                parts["suite"].append(artifacts.duration_s)
                parts["critical_minus_suite"].append(t2 - t1 - artifacts.duration_s)
                if not artifacts.frame_found or artifacts.exit_code != 0:
                    self.warnings.append(f"pool probe: no clean frame ({artifacts.exit_code})")
            finally:
                t3 = time.perf_counter()
                container.remove(force=True, v=True)
                parts["remove"].append(time.perf_counter() - t3)
                shutil.rmtree(hidden.parent, ignore_errors=True)
        return {key: summary(values) for key, values in parts.items()}

    def _cpu_costs(self, subject: Subject, reps: int) -> dict[str, Any]:
        """CPU seconds per unit of work, from exact accounts: the reference suite from its
        container's cgroup, the grader's own process (and its git children) from rusage, the
        Docker daemons (dockerd, containerd) from /proc. Not counted: containerd's shims and
        runc, which exit before they can be read, and the sandbox's own cgroup (gone when it
        exits; its suite costs what the reference's does). The daemons serve every user of
        the engine: other containers started meanwhile count too, least so in the short
        container-lifecycle window. On busy cores, throughput is bounded by these whatever
        the latency."""
        from grader.engine import _create_kwargs
        from grader.sandbox import SandboxJob

        challenge = subject.prepared.challenge
        spec = self.sandbox.spec(
            SandboxJob(subject.image, b"", challenge.hidden_dir, challenge.limits)
        )
        daemons = [pid for name in ("dockerd", "containerd") for pid in _pids_named(name)]
        reference = subject.references[0]
        cgroup = Path(f"/sys/fs/cgroup/cpuacct/docker/{reference.id}/cpuacct.usage")
        out: dict[str, list[float]] = {
            "reference_suite": [],
            "grading_grader_process": [],
            "grading_docker_daemons": [],
            "grading_whole_machine": [],
            "container_lifecycle_docker_daemons": [],
            "container_lifecycle_whole_machine": [],
        }
        machine = _MachineCpu()
        for _ in range(reps):
            if cgroup.is_file():
                before = int(cgroup.read_text()) / 1e9
                self.reference_runs(subject, 1)
                out["reference_suite"].append(int(cgroup.read_text()) / 1e9 - before)
            daemons_before, own_before = _cpu_of(daemons), _own_cpu_s()
            machine.start()
            self.inprocess_once(subject)
            time.sleep(1.5)  # the pool's refill and the removal, in the background
            out["grading_whole_machine"].append(machine.used())
            out["grading_grader_process"].append(_own_cpu_s() - own_before)
            out["grading_docker_daemons"].append(_cpu_of(daemons) - daemons_before)
            daemons_before = _cpu_of(daemons)
            machine.start()
            kwargs = _create_kwargs(spec)
            kwargs["entrypoint"] = ["/bin/true"]
            kwargs["stdin_open"] = False
            created = self.client.containers.create(spec.image, **kwargs)
            created.start()
            created.wait(timeout=60)
            created.remove(force=True, v=True)
            out["container_lifecycle_whole_machine"].append(machine.used())
            out["container_lifecycle_docker_daemons"].append(_cpu_of(daemons) - daemons_before)
        return {kind: summary(values) for kind, values in out.items() if values}

    def _container_floor(self, subject: Subject, reps: int) -> dict[str, Any]:
        """The same hardened container, running /bin/true: the floor of one sandbox."""
        from grader.engine import _create_kwargs
        from grader.sandbox import SandboxJob

        challenge = subject.prepared.challenge
        spec = self.sandbox.spec(
            SandboxJob(subject.image, b"", challenge.hidden_dir, challenge.limits)
        )
        phases: dict[str, list[float]] = {
            k: [] for k in ("create", "start", "wait", "inspect", "remove", "total")
        }
        for _ in range(reps):
            kwargs = _create_kwargs(spec)
            kwargs["entrypoint"] = ["/bin/true"]
            kwargs["stdin_open"] = False
            t0 = time.perf_counter()
            container = self.client.containers.create(spec.image, **kwargs)
            t1 = time.perf_counter()
            container.start()
            t2 = time.perf_counter()
            container.wait(timeout=60)
            t3 = time.perf_counter()
            container.reload()
            t4 = time.perf_counter()
            container.remove(force=True, v=True)
            t5 = time.perf_counter()
            for key, value in zip(
                phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0), strict=True
            ):
                phases[key].append(value)
        return {key: summary(values) for key, values in phases.items()}

    def _inside(self, subject: Subject, reps: int) -> dict[str, Any]:
        """Inside a reference container: interpreter start, pytest import, collection, run."""
        reference = subject.references[0]
        commands = {
            "python_startup": ["python3", "-I", "-B", "-c", "pass"],
            "supervisor_imports": [
                "python3",
                "-I",
                "-B",
                "-c",
                "import ctypes, json, selectors, socket, subprocess, tarfile",
            ],
            "pytest_import": ["/opt/venv/bin/python", "-I", "-B", "-c", "import pytest"],
        }
        if subject.prepared.challenge.language != "python":
            commands = {}
        out = {}
        for name, command in commands.items():
            _code, output = reference.exec_run(
                [
                    "python3",
                    "-c",
                    COMMAND_DRIVER,
                    json.dumps(command),
                    str(reps),
                    json.dumps(SAFE_ENV),
                ],
                user="10001:10001",
                workdir="/work",
            )
            result = json.loads(output.decode().strip().splitlines()[-1])
            out[name] = summary([d for d, _c in result])
        suites = {"suite_run": subject.header}
        if subject.prepared.challenge.language == "python":
            suites["pytest_collect_only"] = {**subject.header, "command": "collect"}
        for name, header in suites.items():
            _code, output = reference.exec_run(
                ["python3", "-I", "-c", SUITE_DRIVER, json.dumps(header), str(reps)],
                user="10001:10001",
                workdir="/work",
            )
            result = json.loads(output.decode().strip().splitlines()[-1])
            out[name] = summary([d for d, _c in result])
        exec_walls = []
        for _ in range(reps):
            started = time.perf_counter()
            reference.exec_run(["true"], user="10001:10001")
            exec_walls.append(time.perf_counter() - started)
        out["docker_exec_true"] = summary(exec_walls)
        return out

    def _git(self, subject: Subject, reps: int) -> dict[str, Any]:
        from grader import fetch
        from grader import git as gitops
        from grader.history import analyse_history

        out: dict[str, list[float]] = {
            "grader_clone_bare": [],
            "plain_clone_bare": [],
            "shallow_clone": [],
            "resolve_and_tree": [],
            "history": [],
        }
        for _ in range(reps):
            with tempfile.TemporaryDirectory(dir=self.data_dir) as tmp:
                t0 = time.perf_counter()
                gitops.clone_bare(str(subject.repo), Path(tmp) / "a.git", ("file",), 60, 1 << 30)
                t1 = time.perf_counter()
                plain = ["git", "clone", "--bare", "--no-local", "--quiet"]
                subprocess.run([*plain, str(subject.repo), str(Path(tmp) / "b.git")], check=True)
                t2 = time.perf_counter()
                shallow = ["git", "clone", "--bare", "--quiet", "--depth", "1"]
                subprocess.run(
                    [*shallow, f"file://{subject.repo}", str(Path(tmp) / "c.git")], check=True
                )
                t3 = time.perf_counter()
                fetched = fetch.Fetched(
                    str(subject.repo),
                    Path(tmp) / "a.git",
                    gitops.resolve_commit(Path(tmp) / "a.git", "main"),
                    "main",
                )
                fetch.submission_tree(fetched, 1 << 30)
                t4 = time.perf_counter()
                analyse_history(
                    fetched.repo_dir,
                    fetched.commit,
                    starter_dir=subject.prepared.challenge.root / "starter",
                )
                t5 = time.perf_counter()
            for key, value in zip(out, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                out[key].append(value)
        return {key: summary(values) for key, values in out.items()}

    def _cold_start(self, subject: Subject, reps: int) -> dict[str, Any]:
        """A fresh process's first gradings, as a `grader grade` or a newly started worker
        has them: imports, the Docker connection, prepare(), then grade() three times with
        pauses between (a warm pool, where there is one, refills meanwhile). The overheads
        are each grading's wall time minus its suite's own run."""
        snippet = (
            "import json, sys, time\n"
            "t0 = time.perf_counter()\n"
            "# what `grader worker` has loaded before its first job\n"
            "import grader.cli, grader.worker, grader.jobs, grader.engine, rq, alembic.command\n"
            "t1 = time.perf_counter()\n"
            "# what the first job imports on top (jobs._grade, services, prepare, notify)\n"
            "import grader.pipeline, grader.fetch, grader.prepare, grader.images\n"
            "import grader.sandbox, grader.notify\n"
            "t2 = time.perf_counter()\n"
            "from grader.jobs import GradingService\n"
            "from grader.config import get_settings\n"
            "svc = GradingService(get_settings())\n"
            "svc.services()\n"
            "t3 = time.perf_counter()\n"
            "svc.prepared(sys.argv[1], None)\n"
            "t4 = time.perf_counter()\n"
            "prepared = svc.prepared(sys.argv[1], None)\n"
            "t5 = time.perf_counter()\n"
            "from grader.fetch import FetchPolicy\n"
            "from grader.pipeline import grade\n"
            "overheads = []\n"
            "try:\n"
            "    for _ in range(3):\n"
            "        started = time.perf_counter()\n"
            "        done = grade(prepared, sys.argv[2], 'main', settings=svc.settings,\n"
            "                     sandbox=svc.services()[1],\n"
            "                     policy=FetchPolicy(allow_local=True))\n"
            "        overheads.append(time.perf_counter() - started - done.artifacts.duration_s)\n"
            "        time.sleep(1.5)\n"
            "finally:\n"
            "    getattr(svc, 'close', lambda: None)()\n"
            "print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, *overheads]))\n"
        )
        keys = (
            "worker_imports",
            "first_job_imports",
            "engine_connect",
            "prepare_cold",
            "prepare_cached",
            "grading_1_overhead",
            "grading_2_overhead",
            "grading_3_overhead",
        )
        out: dict[str, list[float]] = {k: [] for k in (*keys, "interpreter_total")}
        for _ in range(reps):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", snippet, str(subject.path), str(subject.repo)],
                cwd=PROJECT_ROOT,
                env=self.env,
                capture_output=True,
                check=True,
            )
            out["interpreter_total"].append(time.perf_counter() - started)
            for key, value in zip(keys, json.loads(done.stdout), strict=True):
                out[key].append(value)
        return {key: summary(values) for key, values in out.items()}

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.0f}s elapsed"

    # -- everything ------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        self.setup()
        log(
            f"set up ({self._elapsed()}); latency: {self.args.runs} runs per path "
            f"({self.args.heavy_runs} on the heavy challenge)"
        )
        latency = self.latency()
        log(f"throughput: {self.args.jobs} jobs per configuration ({self._elapsed()})")
        throughput = self.throughput()
        log(f"profile ({self._elapsed()})")
        profile = self.profile()
        log(f"isolation ({self._elapsed()})")
        isolation = self.isolation()
        memory = self._memory()
        for process in list(self.processes):
            self._stop(process)
        getattr(self.sandbox, "close", lambda: None)()
        time.sleep(2)  # background removals finish
        left = [c.short_id for c in self.leftovers()]
        if left:
            self.warnings.append(
                f"{len(left)} sandbox(es) left running after every worker stopped: {left}"
            )
        results: dict[str, Any] = {
            "meta": self._meta(),
            "challenges": {
                s.label: {
                    "id": s.id,
                    "tests": len(s.prepared.test_ids),
                    "image": s.image,
                    "language": s.prepared.challenge.language,
                    "timeout_s": s.prepared.challenge.limits.timeout_s,
                }
                for s in self.subjects
            },
            "latency": latency,
            "throughput": throughput,
            "memory": memory,
            "profile": profile,
            "isolation": isolation,
            "warnings": self.warnings,
        }
        results["targets"] = targets(results, self.subjects[0].id)
        results["meta"]["duration_s"] = round(time.monotonic() - self.started, 1)
        return results

    def isolation(self) -> dict[str, Any]:
        """What process isolation costs (issue 13): the same suite, tripwires included, graded
        by the real sandbox with the submission in its own processes and in the test process,
        interleaved. Overhead per grading is the difference of medians; per test, divided by
        the number of tests."""
        from dataclasses import replace

        from grader.challenge import Isolation
        from grader.pipeline import run_suite

        found: dict[str, Any] = {}
        for subject in self.subjects:
            if subject.prepared.challenge.language != "python":
                continue
            variants = {
                mode: replace(
                    subject.prepared, challenge=replace(subject.prepared.challenge, isolation=mode)
                )
                for mode in (Isolation.PROCESS, Isolation.SHARED)
            }
            samples: dict[str, dict[str, list[float]]] = {
                mode: {"wall": [], "suite": []} for mode in variants
            }
            for _ in range(max(self.args.runs, 3)):
                for mode in random.sample(list(variants), len(variants)):
                    started = time.perf_counter()
                    artifacts, _wires = run_suite(
                        variants[mode], subject.workspace_tar, self.sandbox, self.data_dir
                    )
                    samples[mode]["wall"].append(time.perf_counter() - started)
                    samples[mode]["suite"].append(artifacts.duration_s)
            found[subject.id] = _isolation_summary(samples, len(subject.prepared.test_ids))
        return found

    def _memory(self) -> dict[str, Any]:
        peaks = list(self.sampler.peaks.values())
        worst = max(peaks, key=lambda p: p["tree_pss_kb"]) if peaks else {}
        return {
            "peak_pss_mb": round(worst.get("tree_pss_kb", 0) / 1024, 1),
            "peak_rss_sum_mb": round(max((p["tree_rss_kb"] for p in peaks), default=0) / 1024, 1),
            "peak_main_rss_mb": round(max((p["main_rss_kb"] for p in peaks), default=0) / 1024, 1),
            "peak_main_hwm_mb": round(max((p["main_hwm_kb"] for p in peaks), default=0) / 1024, 1),
            "peak_child_rss_mb": round(
                max((p["child_rss_kb"] for p in peaks), default=0) / 1024, 1
            ),
            "peak_child_hwm_mb": round(
                max((p["child_hwm_kb"] for p in peaks), default=0) / 1024, 1
            ),
            "processes_at_peak": worst.get("processes_at_peak", 0),
            "samples": self.sampler.samples,
            "interval_s": self.sampler.interval_s,
            "workers": peaks,
        }

    def _meta(self) -> dict[str, Any]:
        def out(*command: str) -> str:
            try:
                return subprocess.run(
                    command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30
                ).stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                return ""

        mem_kb = 0
        with contextlib.suppress(OSError, ValueError, IndexError):
            mem_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        cpu = ""
        with contextlib.suppress(OSError):
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        info = self.client.info()
        return {
            "git_commit": out("git", "rev-parse", "HEAD"),
            "git_dirty": bool(out("git", "status", "--porcelain", "--untracked-files=no")),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "hostname": socket.gethostname(),
                "platform": platform.platform(),
                "cpu": cpu,
                "cpus": os.cpu_count(),
                "memory_mb": mem_kb // 1024,
                "load_average_at_end": list(os.getloadavg()),
                "python": platform.python_version(),
                "docker": info.get("ServerVersion"),
                "storage_driver": info.get("Driver"),
                "cgroup": info.get("CgroupVersion"),
            },
            "runtime": self.settings.runtime,
            "args": {k: v for k, v in vars(self.args).items() if k != "output"},
        }


def _pids_named(name: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and _comm(int(entry.name)) == name:
            found.append(int(entry.name))
    return found


class _MachineCpu:
    """Busy CPU seconds of the whole machine (/proc/stat: every process, the kernel, runc
    and the shims included) over a window, less the machine's idle-time rate measured
    first, so that what a grading costs in all is counted, whoever spends it."""

    def __init__(self, baseline_s: float = 2.0) -> None:
        started, busy = time.monotonic(), _busy_s()
        time.sleep(baseline_s)
        self.rate = (_busy_s() - busy) / (time.monotonic() - started)
        self.start()

    def start(self) -> None:
        self._started, self._busy = time.monotonic(), _busy_s()

    def used(self) -> float:
        elapsed = time.monotonic() - self._started
        return max(_busy_s() - self._busy - self.rate * elapsed, 0.0)


def _busy_s() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:7]) - idle) / os.sysconf("SC_CLK_TCK")  # steal is not ours


def _cpu_of(pids: list[int]) -> float:
    """User and system CPU seconds of these processes so far (and of their reaped children)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    """This process's CPU seconds and its waited-for children's (git, docker)."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _tripwire_time(records: list[Any], wires: set[Any]) -> float:
    """The planted tests' own run time, inside the suite's (mirrors re-run real tests)."""
    return sum(
        float(r.get("duration_s") or 0.0)
        for r in records
        if isinstance(r, dict) and r.get("event") == "result" and r.get("id") in wires
    )


def _queue_summary(details: list[dict[str, Any]], wall: float, workers: int) -> dict[str, Any]:
    """Where a queued grading's time goes, from the stamps of its job and its submission."""
    parts = {
        "queued_to_rq_start_s": [d["rq_started"] - d["queued"] for d in details],
        "rq_start_to_claim_s": [d["running"] - d["rq_started"] for d in details],
        "claim_to_report_s": [d["final"] - d["running"] for d in details],
        "of_which_grade_s": [d["grade_s"] for d in details],
        "of_which_suite_s": [d["suite_s"] for d in details],
        "report_to_rq_end_s": [d["rq_ended"] - d["final"] for d in details],
        "rq_job_s": [d["rq_ended"] - d["rq_started"] for d in details],
    }
    gaps = []  # on one worker: a job's end -> the next one's start (dequeue, bookkeeping)
    for worker in {d["worker"] for d in details}:
        mine = sorted((d for d in details if d["worker"] == worker), key=lambda d: d["rq_started"])
        gaps += [
            b["rq_started"] - a["rq_ended"]
            for a, b in itertools.pairwise(mine)
            if b["queued"] < a["rq_ended"]  # the next job was waiting: not an idle spell
        ]
    out: dict[str, Any] = {key: summary(values) for key, values in parts.items()}
    out["between_jobs_on_a_worker_s"] = summary(gaps) if gaps else None
    out["stages"] = {
        stage: summary([d["timings"].get(stage, 0.0) for d in details]) for stage in STAGES
    }
    busy = sum(d["rq_ended"] - d["rq_started"] for d in details)
    out["worker_busy_fraction"] = round(busy / (wall * workers), 3) if wall else None
    out["jobs_per_worker"] = sorted(
        sum(1 for d in details if d["worker"] == w) for w in {d["worker"] for d in details}
    )
    return out


def _isolation_summary(samples: dict[str, dict[str, list[float]]], tests: int) -> dict[str, Any]:
    medians = {
        mode: {kind: statistics.median(values) for kind, values in kinds.items()}
        for mode, kinds in samples.items()
    }
    process, shared = medians["process"], medians["shared"]
    grading = process["wall"] - shared["wall"]
    return {
        "runs": len(samples["process"]["wall"]),
        "tests": tests,
        "process_wall_s": round(process["wall"], 4),
        "shared_wall_s": round(shared["wall"], 4),
        "process_suite_s": round(process["suite"], 4),
        "shared_suite_s": round(shared["suite"], 4),
        "overhead_per_grading_s": round(grading, 4),
        "overhead_per_test_ms": round(1000 * grading / max(tests, 1), 3),
        "ratio": round(process["wall"] / shared["wall"], 3) if shared["wall"] else None,
    }


def _top(profile: cProfile.Profile, count: int) -> list[dict[str, Any]]:
    """The grader's own functions by cumulative time (the main thread: the stream reader's
    thread shows up as the time spent waiting in engine._feed_and_wait)."""
    stats = pstats.Stats(profile)
    package = str(PROJECT_ROOT / "grader") + os.sep
    rows = []
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in table.items():
        if not filename.startswith(package):
            continue
        rows.append(
            {
                "function": f"{filename.removeprefix(package)}:{line}({function})",
                "calls": calls,
                "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4),
            }
        )
    rows.sort(key=lambda r: r["cumtime_s"], reverse=True)
    return rows[:count]


# -- targets and the table ----------------------------------------------------------------------
def targets(results: dict[str, Any], small: str) -> list[dict[str, Any]]:
    """The issue's targets, reported (never asserted)."""
    out = []
    latency = results["latency"]
    for path in ("inprocess", "cli", "api_queue"):
        value = latency[small][path]["overhead_vs_own_suite_run"]["median_s"]
        out.append(
            {
                "target": f"end-to-end overhead above the suite's own run, {path}, {small}, "
                "median <= 0.250 s",
                "value": value,
                "met": value <= 0.25,
            }
        )
    for challenge, per in results["throughput"].items():
        two = per["2"]["grader"]
        out.append(
            {
                "target": f"throughput with 2 workers >= 80% of the physical limit ({challenge})",
                "value": two["ratio"],
                "met": two["ratio"] >= 0.8,
            }
        )
    slower = []
    for challenge, entry in latency.items():
        for path in ("inprocess", "cli", "api_queue"):
            for stat in ("median_s", "p95_s"):
                if entry[path][stat] >= entry["naive"][stat]:
                    slower.append(f"{challenge} {path} {stat}")
    for challenge, per in results["throughput"].items():
        for lanes, kinds in per.items():
            if kinds["grader"]["per_minute"] <= kinds["naive"]["per_minute"]:
                slower.append(f"{challenge} throughput x{lanes}")
    out.append(
        {
            "target": "faster than the naive grader at every measured point",
            "value": slower or "faster everywhere",
            "met": not slower,
        }
    )
    pss, rss = results["memory"]["peak_pss_mb"], results["memory"]["peak_rss_sum_mb"]
    out.append(
        {
            "target": "worker resident memory <= 200 MB (PSS of worker + children)",
            "value": pss,
            "met": 0 < pss <= 200,
        }
    )
    out.append(
        {
            "target": "worker resident memory <= 200 MB (plain sum of RSS, shared pages counted "
            "in every process)",
            "value": rss,
            "met": 0 < rss <= 200,
        }
    )
    return out


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    meta = results["meta"]
    machine = meta["machine"]
    lines.append(
        f"grader bench  {meta['date']}  commit {meta['git_commit'][:12]}"
        f"{' (dirty)' if meta['git_dirty'] else ''}  {machine['cpus']} CPUs  "
        f"{machine['memory_mb']} MB  docker {machine['docker']}  runtime {meta['runtime']}"
    )
    row = "{:<44} {:>9} {:>9} {:>8} {:>8}"

    def add(name: str, stats: dict[str, Any]) -> None:
        lines.append(
            row.format(
                name,
                f"{stats['median_s']:.3f}",
                f"{stats['p95_s']:.3f}",
                f"{stats.get('ratio_median', 1.0):.2f}",
                f"{stats.get('ratio_p95', 1.0):.2f}",
            )
        )

    for challenge, entry in results["latency"].items():
        ref = entry["reference_physical"]
        lines += ["", f"== latency: {challenge} (seconds; x = ratio to reference 1)"]
        lines.append(row.format("", "median", "p95", "x med", "x p95"))

        add("reference 1: physical limit (suite run)", ref)
        add("reference 2: naive docker run -v", entry["naive"])
        add("grader in-process (pipeline.grade)", entry["inprocess"])
        add("grader CLI (grader grade subprocess)", entry["cli"])
        add("grader API + queue + worker", entry["api_queue"])
        add("  overhead: in-process - reference", entry["inprocess"]["overhead_vs_reference"])
        add(
            "  overhead: in-process - its suite's run",
            entry["inprocess"]["overhead_vs_own_suite_run"],
        )
        add("  overhead: CLI - reference", entry["cli"]["overhead_vs_reference"])
        add("  overhead: CLI - suite's run (estimated)", entry["cli"]["overhead_vs_own_suite_run"])
        add("  overhead: API + queue - reference", entry["api_queue"]["overhead_vs_reference"])
        add(
            "  overhead: API + queue - its suite's run",
            entry["api_queue"]["overhead_vs_own_suite_run"],
        )
        lines.append("  stages (in-process):")
        for stage in STAGES:
            add(f"    {stage}", entry["stages"][stage])
        lines.append(
            f"  sandbox stage split (warm sandbox taken in "
            f"{entry['sandbox_split']['warm_fraction']:.0%} of the runs):"
        )
        labels = {
            "take_check": "pool: is the warm sandbox running",
            "create": "containers.create",
            "start": "container.start",
            "attach": "attach_socket",
            "run": "run: tree sent -> stream closed",
            "suite_in_container": "  of which suite (supervisor duration_s)",
            "tripwire_tests": "    of which tripwire tests (planted, mirrors)",
            "run_minus_suite": "  of which container/supervisor/extract",
            "wait": "container.wait",
            "reload": "container.reload",
            "remove": "container.remove",
            "host_side_rest": "host side (hidden copy, tripwires, frame...)",
        }
        for key, label in labels.items():
            add(f"    {label}", entry["sandbox_split"][key])
        lines.append("  API + queue breakdown:")
        for key, label in (
            ("post_s", "POST /api/submissions"),
            ("submit_to_rq_start_s", "submit -> job started (enqueue, dequeue)"),
            ("rq_start_to_claim_s", "job started -> submission claimed"),
            ("submit_to_running_s", "submit -> claimed by a worker"),
            ("running_to_stored_s", "claimed -> report stored"),
            ("job_overhead_s", "  of which outside grade() (prepare, store)"),
            ("stored_to_seen_s", "stored -> seen by the poller"),
        ):
            add(f"    {label}", entry["api_queue_breakdown"][key])
        add("  CLI outside grade() (start, imports, prepare)", entry["cli_outside_grade"])
    trow = "{:<44} {:>9} {:>9} {:>8}"
    for challenge, per in results["throughput"].items():
        lines += ["", f"== throughput: {challenge} (gradings per minute; x = ratio to reference 1)"]
        lines.append(trow.format("", "jobs", "per min", "x"))
        for lanes, kinds in per.items():
            for kind in ("reference_physical", "grader", "naive"):
                k = kinds[kind]
                lines.append(
                    trow.format(
                        f"{lanes} lane(s)/worker(s): {kind}",
                        k["jobs"],
                        f"{k['per_minute']:.1f}",
                        f"{k['ratio']:.2f}",
                    )
                )
            queue = kinds["grader"].get("queue")
            if queue:
                parts = [
                    f"{key.removesuffix('_s')} {value['median_s']:.3f}"
                    for key, value in queue.items()
                    if isinstance(value, dict)
                    and "median_s" in value
                    and key != "queued_to_rq_start_s"
                ]
                lines.append(f"    grader jobs (medians, s): {', '.join(parts)}")
                lines.append(
                    f"    workers busy: {queue['worker_busy_fraction']:.0%} of the wall time"
                )
    memory = results["memory"]
    lines += [
        "",
        f"== worker memory (worker + its children, containers excluded): peak PSS "
        f"{memory['peak_pss_mb']} MB, peak sum of RSS {memory['peak_rss_sum_mb']} MB; "
        f"main process VmHWM {memory['peak_main_hwm_mb']} MB, largest child VmHWM "
        f"{memory['peak_child_hwm_mb']} MB",
        f"   at the peak: {', '.join(memory['processes_at_peak'])}",
    ]
    prof = results["profile"]
    lines += ["", f"== profile ({prof['challenge']}, medians in seconds)"]
    floor = prof["container_floor"]
    lines.append(
        "  hardened container running /bin/true: "
        + ", ".join(f"{k} {v['median_s']:.3f}" for k, v in floor.items())
    )
    lines.append(
        "  CPU seconds: "
        + ", ".join(f"{k} {v['median_s']:.2f}" for k, v in prof["cpu_seconds"].items())
    )
    if "cpu_bound_throughput_ratio" in prof:
        lines.append(
            "  throughput bound by CPU (the suite's CPU / a whole grading's, machine-wide): "
            f"{prof['cpu_bound_throughput_ratio']:.2f} of the physical limit"
        )
    pool = prof["prestarted_container_probe"]
    lines.append(
        "  pre-started sandbox (pool probe): "
        + ", ".join(f"{k} {v['median_s']:.3f}" for k, v in pool.items())
    )
    lines.append(
        "  inside the container: "
        + ", ".join(f"{k} {v['median_s']:.3f}" for k, v in prof["inside_container"].items())
    )
    lines.append(
        "  in the background (warm pool, removals): "
        + ", ".join(
            f"{k} {v['median_s']:.3f} (x{v['n']})"
            for k, v in prof["off_critical_path_calls"].items()
        )
    )
    lines.append("  git: " + ", ".join(f"{k} {v['median_s']:.3f}" for k, v in prof["git"].items()))
    lines.append(
        "  a fresh process (CLI, new worker): "
        + ", ".join(f"{k} {v['median_s']:.3f}" for k, v in prof["fresh_process"].items())
    )
    lines += ["", "== isolation: submission in its own processes vs in the test process"]
    for challenge, entry in results.get("isolation", {}).items():
        lines.append(
            f"  {challenge}: grading {entry['process_wall_s']:.3f}s vs "
            f"{entry['shared_wall_s']:.3f}s (x{entry['ratio']}); suite "
            f"{entry['process_suite_s']:.3f}s vs {entry['shared_suite_s']:.3f}s; overhead "
            f"{entry['overhead_per_grading_s']:+.3f}s a grading, "
            f"{entry['overhead_per_test_ms']:+.2f} ms a test ({entry['tests']} tests, "
            f"{entry['runs']} runs each)"
        )
    lines += ["", "== targets (reported, not asserted)"]
    for target in results["targets"]:
        lines.append(
            f"  [{'met' if target['met'] else 'MISSED'}] {target['target']}: {target['value']}"
        )
    for warning in results["warnings"]:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=15, help="latency runs per path (15)")
    parser.add_argument(
        "--heavy-runs",
        type=int,
        default=None,
        help="latency runs per path on the heavy challenge (default: a quarter of --runs, >= 3)",
    )
    parser.add_argument(
        "--jobs", type=int, default=16, help="gradings per throughput configuration (16)"
    )
    parser.add_argument("--small", default="word-frequency", help="the small challenge")
    parser.add_argument(
        "--heavy",
        default="todo-api,orders-sqlite,synthetic",
        help="the heavier challenge: the first of these that prepares (synthetic: generated)",
    )
    parser.add_argument(
        "--throughput-challenges",
        default="small",
        help="which challenges (small, heavy or ids, comma-separated) get throughput runs",
    )
    parser.add_argument("--profile-reps", type=int, default=3, help="repetitions in the profile")
    parser.add_argument("--output", default="bench-results.json", help="where the JSON goes")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("GRADER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        help="a Redis database for the bench alone: it must be empty (or --redis-flush); "
        "it is flushed at the end (db 15 is the tests', db 14 make soak's --shared-services)",
    )
    parser.add_argument(
        "--redis-flush", action="store_true", help="flush the Redis database even if not empty"
    )
    parser.add_argument(
        "--settle", type=float, default=0.5, help="pause between latency measurements (s)"
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=0.0,
        help="poll the report this often (s) instead of waiting for it with ?wait= (0)",
    )
    parser.add_argument("--memory-interval", type=float, default=0.2, help="RSS sampling (s)")
    parser.add_argument("--seed", type=int, default=9, help="seed of the interleaving order")
    parser.add_argument(
        "--quick", action="store_true", help="no warm-up, 2 jobs per throughput run, short profile"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench's data folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs = min(args.jobs, 2)
    args.runs = max(args.runs, 1)
    if args.heavy_runs is None:
        args.heavy_runs = max(3, args.runs // 4)
    args.heavy_runs = min(max(args.heavy_runs, 1), args.runs)
    return args


@contextlib.contextmanager
def _bench(args: argparse.Namespace) -> Iterator[Bench]:
    bench = Bench(args)
    try:
        yield bench
    finally:
        bench.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with _bench(args) as bench:
        results = bench.run()
    output = Path(args.output)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(render(results))
    print(f"\nwritten: {output.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
