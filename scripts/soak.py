"""Soak test: many submissions through several workers while the services under them fail.

    make soak            # or: .venv/bin/python scripts/soak.py [--submissions 200] [--workers 2]

What it does, in order:

1. A clean deployment under ``.grader/soak``: its own data folder, a fresh
   database (PostgreSQL from ``GRADER_TEST_POSTGRES_URL`` when set, in a
   schema ``soak``; otherwise SQLite), and, unless ``--shared-services``, its
   own Redis server (port 6390) and its own Docker engine (a second dockerd on
   a socket under .grader/soak), so that the restarts below disturb nothing
   else running on this machine. The sandbox image is copied into that engine.
2. Two bare repositories under the data folder's ``repos/`` (which workers may
   fetch from): the word-frequency solution and its starter, each with one
   branch per submission, so that every submission is a distinct commit and
   is graded for real (nothing deduplicated).
3. All submissions queued at once, then the workers started (`grader worker`
   processes), then, as the gradings progress: one worker and everything it
   started killed with SIGKILL and a replacement started; Redis shut down
   (``redis-cli shutdown nosave``) and started again as scripts/engine.sh
   does; the Docker engine stopped (``kill`` of dockerd) and started again as
   scripts/engine.sh does.
4. Checks: every submission finished, graded, with exactly one report and one
   final status change; solutions and starters scored alike; no sandbox
   container and no ``grading-*`` folder left behind. Prints the figures:
   wall time, submissions per minute, retries and recoveries counted from the
   status history. Exits 1 if any check fails or the run exceeds ``--timeout``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from grader import submissions  # noqa: E402
from grader.catalogue import register_challenge  # noqa: E402
from grader.challenge import load_challenge  # noqa: E402
from grader.config import Settings, get_settings  # noqa: E402
from grader.store.db import migrate, session_scope  # noqa: E402
from tests.support.git import git, identity  # noqa: E402
from tests.support.processes import (  # noqa: E402
    alive,
    kill_tree,
    process_tree,
    start_in_group,
    stop_groups,
)
from tests.support.services import seed_data_dir, wait_for  # noqa: E402

CHALLENGE = PROJECT / "challenges" / "word-frequency"
FINAL = ("graded", "tampered", "error")
SOAK_REDIS_PORT = 6390
VARIANTS = ("solution", "starter")


def say(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def succeeds(command: list[str], env: dict[str, str] | None = None) -> bool:
    done = subprocess.run(command, capture_output=True, env=env, timeout=30, check=False)
    return done.returncode == 0


# -- the services --------------------------------------------------------------
@dataclass
class Redis:
    port: int
    folder: Path
    private: bool

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/{0 if self.private else 14}"

    def cli(self, *args: str) -> list[str]:
        return ["redis-cli", "-p", str(self.port), *args]

    def start(self) -> None:
        if succeeds(self.cli("ping")):
            return
        if not self.private:
            run(["bash", "scripts/engine.sh", "--redis"], cwd=PROJECT)
            return
        run([
            "redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--daemonize", "yes",
            "--logfile", str(self.folder / "redis.log"), "--dir", str(self.folder),
            "--save", "", "--appendonly", "no",
        ])  # fmt: skip
        wait_for("Redis answering", lambda: succeeds(self.cli("ping")), 90, 0.5)

    def restart(self, down_s: float) -> None:
        say(f"Redis: shutdown nosave (down for {down_s:.0f}s)")
        subprocess.run(self.cli("shutdown", "nosave"), capture_output=True, check=False)
        wait_for("Redis stopping", lambda: not succeeds(self.cli("ping")), 90, 0.5)
        time.sleep(down_s)
        self.start()
        say("Redis: started again")

    def flush(self) -> None:
        run(self.cli("-n", self.url.rsplit("/", 1)[1], "flushdb"))

    def stop(self) -> None:
        if self.private:
            subprocess.run(self.cli("shutdown", "nosave"), capture_output=True, check=False)


@dataclass
class Docker:
    folder: Path
    private: bool
    process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"unix://{self.folder / 'docker.sock'}" if self.private else _default_docker_host()

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host}

    def answers(self) -> bool:
        return succeeds(["docker", "info"], env=self.env)

    def dockerd(self) -> list[str]:
        if not self.private:
            return ["dockerd"]
        f = self.folder
        return [
            "dockerd", "--host", self.host, "--data-root", str(f / "data"),
            "--exec-root", str(f / "exec"), "--pidfile", str(f / "docker.pid"),
            "--bridge", "none", "--iptables=false", "--ip6tables=false",
        ]  # fmt: skip

    def pidfile(self) -> Path:
        return self.folder / "docker.pid" if self.private else Path("/var/run/docker.pid")

    def start(self) -> None:
        if self.answers():
            return
        if not self.private:
            run(["bash", "scripts/engine.sh"], cwd=PROJECT)
            return
        pidfile = self.pidfile()  # a dockerd killed earlier leaves a pid file behind
        if pidfile.exists() and not alive(int(pidfile.read_text().strip() or 0)):
            pidfile.unlink()
        log = (self.folder / "dockerd.log").open("ab")
        self.process = subprocess.Popen(
            self.dockerd(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        wait_for("the Docker engine answering", self.answers, 90, 0.5)

    def restart(self, down_s: float) -> None:
        pid = int(self.pidfile().read_text().strip())
        say(f"Docker engine: kill {pid} (dockerd), down for {down_s:.0f}s at least")
        os.kill(pid, signal.SIGTERM)
        wait_for("dockerd exiting", lambda: not alive(pid), 60, 0.5)
        if self.process is not None:
            self.process.wait(timeout=10)
        time.sleep(down_s)
        self.start()
        say("Docker engine: started again")

    def stop(self) -> None:
        """Stop the private engine (the machine's own is left running)."""
        pidfile = self.pidfile()
        if not self.private or not pidfile.exists():
            return
        pid = int(pidfile.read_text().strip() or 0)
        if alive(pid):
            os.kill(pid, signal.SIGTERM)
            wait_for("dockerd exiting", lambda: not alive(pid), 60, 0.5)
        if self.process is not None:
            self.process.wait(timeout=10)

    def sandboxes(self) -> list[str]:
        template = "{{.ID}} {{.Status}} {{.Labels}}"
        command = ["docker", "ps", "-a", "--filter", "label=grader.sandbox", "--format", template]
        done = run(command, env=self.env)
        return [line for line in done.stdout.splitlines() if line.strip()]

    def load_image(self, reference: str) -> None:
        if not self.private or succeeds(["docker", "image", "inspect", reference], env=self.env):
            return
        say(f"copying {reference} into the soak's Docker engine")
        save = subprocess.Popen(["docker", "save", reference], stdout=subprocess.PIPE)
        subprocess.run(["docker", "load", "-q"], stdin=save.stdout, env=self.env, check=True)
        if save.wait() != 0:
            raise SystemExit(f"[soak] docker save {reference} failed: run `make images`")


def _default_docker_host() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


# -- processes -------------------------------------------------------------------
@dataclass
class Workers:
    env: dict[str, str]
    logs: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0
    died: list[str] = field(default_factory=list)  # workers that exited by themselves
    numbers: dict[int, int] = field(default_factory=dict)  # pid -> its log's number

    def start(self) -> subprocess.Popen[bytes]:
        self.started += 1
        log = self.logs / f"worker-{self.started}.log"
        process = start_in_group([sys.executable, "-m", "grader.cli", "worker"], log, self.env)
        self.running.append(process)
        self.numbers[process.pid] = self.started
        say(f"worker {self.started} started (pid {process.pid})")
        return process

    def checkalive(self, replace: bool = True) -> None:
        """Note (and replace) any worker that exited without being asked to."""
        for process in list(self.running):
            if process.poll() is None:
                continue
            log = self.logs / f"worker-{self.numbers[process.pid]}.log"
            self.died.append(f"pid {process.pid} exited by itself ({process.returncode}): {log}")
            say(f"worker pid {process.pid} exited by itself")
            self.running.remove(process)
            if replace:
                self.start()

    def kill_one(self) -> None:
        self.checkalive()
        victim = self.running.pop(0)
        tree = process_tree(victim.pid)
        say(f"SIGKILL to worker pid {victim.pid} and its processes {tree[1:]}")
        kill_tree(victim.pid)
        victim.wait(timeout=30)
        self.start()

    def stop(self) -> None:
        stop_groups(self.running, 120)

    def graded_lines(self) -> Counter[str]:
        """How many times each submission was graded, from the workers' own log lines."""
        seen: Counter[str] = Counter()
        for log in self.logs.glob("worker-*.log"):
            for line in log.read_text(errors="replace").splitlines():
                if " grader.jobs graded " in line:
                    seen[line.split(" grader.jobs graded ", 1)[1].split(":", 1)[0]] += 1
        return seen


# -- the deployment ----------------------------------------------------------------
def fresh_database(root: Path, postgres: str | None) -> str:
    if not postgres:
        path = root / "data" / "grader.db"
        for stale in root.joinpath("data").glob("grader.db*"):
            stale.unlink()
        return f"sqlite:///{path}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP SCHEMA IF EXISTS "soak" CASCADE'))
        connection.execute(text('CREATE SCHEMA "soak"'))
    admin.dispose()
    url = make_url(postgres).update_query_dict({"options": "-csearch_path=soak"})
    return url.render_as_string(hide_password=False)


def prepare_data_dir(data: Path) -> str:
    """The data folder, seeded with the images and inventories `make images` recorded."""
    shutil.rmtree(data / "tmp", ignore_errors=True)
    shutil.rmtree(data / "repos", ignore_errors=True)
    state = get_settings().data_dir / "images.json"
    if not state.is_file():
        raise SystemExit("[soak] no sandbox image recorded: run `make images` first")
    seed_data_dir(data)
    return str(json.loads(state.read_text())["python"]["reference"])


def register(url: str) -> None:
    register_challenge(url, load_challenge(CHALLENGE), str(CHALLENGE), 0)


AUTHOR = identity("Soak Candidate", "soak@example.com")


def variant_repo(repos: Path, work: Path, name: str, branches: int) -> Path:
    """A bare repository with one branch per submission, each a commit of its own."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(CHALLENGE / "starter", work)
    git(work, "init", "--quiet", "--initial-branch=main", author=AUTHOR)
    git(work, "add", "--all", author=AUTHOR)
    git(work, "commit", "--quiet", "--message", "Start from the starter", author=AUTHOR)
    if name == "solution":
        shutil.copy(CHALLENGE / "solution" / "wordfreq.py", work / "wordfreq.py")
        git(work, "commit", "--quiet", "--all", "--message", "Count and rank words", author=AUTHOR)
    tree, head = git(work, "rev-parse", "HEAD^{tree}"), git(work, "rev-parse", "HEAD")
    for index in range(branches):
        message = f"Submit attempt {index}\n\nSoak run submission {index} of {name}."
        commit = git(work, "commit-tree", tree, "-p", head, "-m", message, author=AUTHOR)
        git(work, "update-ref", f"refs/heads/soak-{index:03d}", commit, author=AUTHOR)
    bare = repos / f"{name}.git"
    git(work, "clone", "--bare", "--quiet", str(work), str(bare), author=AUTHOR)
    return bare


def submit_all(settings: Settings, bares: dict[str, Path], count: int) -> dict[str, str]:
    """Queue every submission at once; returns submission id -> variant."""
    made: dict[str, str] = {}
    names = sorted(bares)
    for index in range(count):
        variant = names[index % len(names)]
        with session_scope(settings.effective_database_url) as session:
            row = submissions.create(
                session,
                challenge_id="word-frequency",
                repo_url=str(bares[variant]),
                ref=f"soak-{index // len(names):03d}",
            )
            submissions.queue_after_commit(session, settings, row)
            made[row.id] = variant
    return made


# -- watching and checking -----------------------------------------------------------
def counts(url: str) -> Counter[str]:
    with session_scope(url) as session:
        rows = session.execute(text("SELECT status, COUNT(*) FROM submissions GROUP BY status"))
        return Counter({str(status): int(n) for status, n in rows})


@dataclass
class Disruption:
    at_fraction: float
    name: str
    action: Callable[[], None]
    done: bool = False


def watch(
    url: str, total: int, plan: list[Disruption], deadline: float, tick: Callable[[], None]
) -> float:
    """Run the disruptions as the gradings progress; returns when all are final."""
    last_print = 0.0
    while True:
        status = counts(url)
        finished = sum(status[s] for s in FINAL)
        for step in plan:
            if not step.done and finished >= step.at_fraction * total:
                say(f"{finished}/{total} finished: {step.name}")
                step.action()
                step.done = True
        if time.monotonic() - last_print > 15:
            say(f"progress: {dict(sorted(status.items()))}")
            last_print = time.monotonic()
        tick()
        if finished == total and all(step.done for step in plan):
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"not finished in time: {dict(status)}")
        time.sleep(1)


def history(url: str) -> dict[str, list[tuple[str, str]]]:
    with session_scope(url) as session:
        rows = session.execute(
            text("SELECT submission_id, status, detail FROM submission_events ORDER BY id")
        )
        events: dict[str, list[tuple[str, str]]] = {}
        for submission_id, status, detail in rows:
            events.setdefault(str(submission_id), []).append((str(status), str(detail)))
        return events


def reports(url: str) -> dict[str, dict[str, Any]]:
    with session_scope(url) as session:
        rows = session.execute(text("SELECT submission_id, report FROM reports"))
        return {
            str(sid): (report if isinstance(report, dict) else json.loads(report))
            for sid, report in rows
        }


def check(
    url: str, made: dict[str, str], workers: Workers, docker: Docker, data: Path
) -> tuple[list[str], dict[str, int]]:
    problems: list[str] = []
    events, stored = history(url), reports(url)
    graded_lines = workers.graded_lines()
    scores: dict[str, set[tuple[Any, ...]]] = {}
    for sid, variant in made.items():
        finals = [s for s, _d in events.get(sid, []) if s in FINAL]
        if finals != ["graded"]:
            problems.append(
                f"{sid} ({variant}): final statuses {finals}, history {events.get(sid)}"
            )
        if sid not in stored:
            problems.append(f"{sid} ({variant}): no report")
            continue
        if graded_lines[sid] > 1:
            problems.append(f"{sid}: graded {graded_lines[sid]} times by the workers")
        skills = stored[sid]["skills"]
        suite = tuple(skills[s]["score"] for s in sorted(skills) if s != "version_control")
        scores.setdefault(variant, set()).add((stored[sid]["status"], *suite))
    for variant, seen in scores.items():
        if len(seen) != 1:
            problems.append(f"{variant} submissions were scored differently: {sorted(seen)}")
    problems += [f"worker {line}" for line in workers.died]
    problems += [f"sandbox left behind: {line}" for line in docker.sandboxes()]
    problems += [f"temporary folder left behind: {p}" for p in (data / "tmp").glob("grading-*")]
    return problems, figures(events, made)


def figures(events: dict[str, list[tuple[str, str]]], made: dict[str, str]) -> dict[str, int]:
    every = [(s, d) for sid in made for s, d in events.get(sid, [])]
    return {
        "claims": sum(1 for s, _d in every if s == "running"),
        "retries (infrastructure failure, released)": sum(
            1 for s, d in every if s == "queued" and d.startswith("infrastructure failure")
        ),
        "recoveries (lease expired)": sum(
            1 for s, d in every if s == "queued" and d.startswith("recovered: the worker's lease")
        ),
        "recoveries (job lost from the queue)": sum(
            1 for s, d in every if s == "queued" and d.startswith("recovered: its job was lost")
        ),
        "submissions retried at least once": sum(
            1 for sid in made if sum(1 for s, _d in events.get(sid, []) if s == "running") > 1
        ),
    }


# -- main ------------------------------------------------------------------------------
def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800.0, help="fail after (s)")
    parser.add_argument("--root", type=Path, default=PROJECT / ".grader" / "soak")
    parser.add_argument(
        "--shared-services",
        action="store_true",
        help="restart this machine's own Redis and Docker engine instead of private ones",
    )
    return parser.parse_args()


@dataclass
class Soak:
    args: argparse.Namespace
    redis: Redis
    docker: Docker
    url: str = ""
    made: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return Path(self.args.root) / "data"

    def setup(self) -> tuple[Settings, Workers, dict[str, Path]]:
        root = Path(self.args.root)
        (root / "logs").mkdir(parents=True, exist_ok=True)
        for old in (root / "logs").glob("worker-*.log"):
            old.unlink()
        reference = prepare_data_dir(self.data)
        self.redis.start()
        self.redis.flush()
        self.docker.start()
        self.docker.load_image(reference)
        self.url = fresh_database(root, os.environ.get("GRADER_TEST_POSTGRES_URL"))
        migrate(self.url)
        register(self.url)
        repos = self.data / "repos"
        repos.mkdir(parents=True)
        branches = -(-self.args.submissions // 2)
        bares = {v: variant_repo(repos, root / "work" / v, v, branches) for v in VARIANTS}
        settings = get_settings().model_copy(
            update={"data_dir": self.data, "database_url": self.url, "redis_url": self.redis.url}
        )
        env = {
            **self.docker.env,
            "GRADER_DATA_DIR": str(self.data),
            "GRADER_DATABASE_URL": self.url,
            "GRADER_REDIS_URL": self.redis.url,
        }
        return settings, Workers(env, root / "logs"), bares

    def run(self) -> int:
        settings, workers, bares = self.setup()
        started = time.monotonic()
        self.made = submit_all(settings, bares, self.args.submissions)
        say(f"{len(self.made)} submissions queued in {time.monotonic() - started:.1f}s")
        for _ in range(self.args.workers):
            workers.start()
        plan = [
            Disruption(0.2, "kill one worker with SIGKILL, start a replacement", workers.kill_one),
            Disruption(0.4, "restart Redis", lambda: self.redis.restart(5)),
            Disruption(0.6, "restart the Docker engine", lambda: self.docker.restart(5)),
        ]
        try:
            deadline = started + self.args.timeout
            ended = watch(self.url, len(self.made), plan, deadline, workers.check_alive)
            workers.checkalive(replace=False)
        except TimeoutError as exc:
            say(f"FAILED: {exc}")
            self.stuck()
            return 1
        finally:
            workers.stop()
        return self.report(ended - started, workers)

    def stuck(self) -> None:
        events = history(self.url)
        for sid in self.made:
            trail = events.get(sid, [])
            if not trail or trail[-1][0] not in FINAL:
                say(f"  not finished: {sid}: {trail[-3:]}")

    def report(self, wall_s: float, workers: Workers) -> int:
        problems, numbers = check(self.url, self.made, workers, self.docker, self.data)
        total = len(self.made)
        say(f"wall time: {wall_s:.1f}s for {total} submissions ({total / wall_s * 60:.1f}/min)")
        for name, value in numbers.items():
            say(f"{name}: {value}")
        say(
            f"workers started: {workers.started}; database: {make_url(self.url).get_backend_name()}"
        )
        for problem in problems[:50]:
            say(f"PROBLEM: {problem}")
        say("PASSED" if not problems else f"FAILED: {len(problems)} problem(s)")
        return 0 if not problems else 1


def main() -> int:
    args = parse()
    root = Path(args.root)
    root.mkdir(parents=True, exist_ok=True)
    private = not args.shared_services
    redis = Redis(SOAK_REDIS_PORT if private else 6379, root, private)
    docker = Docker(root / "docker", private)
    docker.folder.mkdir(parents=True, exist_ok=True)
    soak = Soak(args, redis, docker)
    try:
        return soak.run()
    finally:
        redis.stop()
        docker.stop()


if __name__ == "__main__":
    sys.exit(main())
