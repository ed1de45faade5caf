"""The soak's multi-host mode: a server and two workers sharing nothing but Redis and PostgreSQL.

    python -m scripts.soak --mode multihost [--submissions 30]

On this one machine, each part is set up as it would be on hosts of its own:

- the server (`grader serve`, on this machine's Docker engine) keeps its data
  folder under ``server/``, owned by ``nobody`` with mode 0700: its hosted
  repositories, and the challenges, registered from copies inside it;
- each worker host (``host-1/``, ``host-2/``) has its own data folder and its
  own Docker engine (a private dockerd, as the default mode starts one), and
  its `grader worker` runs in a user namespace that maps every user but
  ``nobody`` to itself (scripts/soak/userns.py), so that it has no capability
  over the server's files: reading the server's folder fails with "Permission
  denied" (checked before the run and after);
- the workers get ``GRADER_SERVER_URL`` and a worker token: hosted repositories
  come over smart HTTP, challenges as bundles checked against their hash;
- the external repositories (a folder ``external/`` standing in for a git host
  the workers reach; the fetch policy takes only https for those) are graded
  beside the hosted pushes.

Half the submissions (``--hosted-share``) are pushes to hosted repositories
(one invitation each), the others branches of external repositories, all of
word-frequency. Challenges with services are left out by default
(``--service-share 0``): a grading with services first makes sure a firewall
rule keeps its network off the host (grader/engine/networks.py), which needs
CAP_NET_ADMIN in the host's network namespace, and a process in a user
namespace of its own has no capability there (a real worker host's worker has
it: deploy/systemd/grader-worker@.service). One worker is killed with
SIGKILL a third of the way through (a host going down) and replaced. The
checks: every submission graded exactly once with one report, those of each
(challenge, variant) scored alike, nothing left behind in either worker's
engine or data folder, and no worker able to read the server's data folder
(nor any worker log naming a path of it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from grader import submissions
from grader.catalogue import register_challenge
from grader.challenge import load_challenge
from grader.config import Settings, get_settings
from grader.store import repo
from grader.store.db import migrate, session_scope
from scripts.soak.checks import (
    Disruption,
    figures,
    graded_once,
    history,
    left_behind,
    reports,
    running_owners,
    scored_alike,
    watch,
)
from scripts.soak.common import say
from scripts.soak.deployment import (
    CHALLENGES,
    SERVICE_CHALLENGE,
    Kind,
    fresh_database,
    label,
    mix,
    repositories,
)
from scripts.soak.hosts import WorkerHost, python_for_workers, server_probes, unreadable_to_workers
from scripts.soak.images import needed_images
from scripts.soak.services import SOAK_REDIS_PORT, Redis
from tests.support.processes import start_in_group, stop_groups
from tests.support.services import seed_data_dir, wait_for

SERVER_OWNER = "nobody"


@dataclass
class Topology:
    root: Path
    url: str  # the database, PostgreSQL
    redis: Redis
    hosts: list[WorkerHost]
    server_url: str = ""
    server: subprocess.Popen[bytes] | None = None
    admin: str = ""  # an admin token, to invite candidates

    @property
    def data(self) -> Path:
        return self.root / "server"

    def settings(self) -> Settings:
        return get_settings().model_copy(
            update={
                "data_dir": self.data,
                "database_url": self.url,
                "redis_url": self.redis.url,
                "public_url": self.server_url,
            }
        )

    def start_server(self) -> None:
        with socket.socket() as probe:  # a free port (nothing else on this machine races for it)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.server_url = f"http://127.0.0.1:{port}"
        (self.root / "no-catalogue").mkdir(exist_ok=True)
        env = {
            **os.environ,
            "GRADER_DATA_DIR": str(self.data),
            "GRADER_DATABASE_URL": self.url,
            "GRADER_REDIS_URL": self.redis.url,
            "GRADER_PUBLIC_URL": self.server_url,
            "GRADER_CHALLENGES_DIR": str(self.root / "no-catalogue"),
        }
        command = [sys.executable, "-m", "grader.cli", "serve", "--port", str(port)]
        self.server = start_in_group(command, self.root / "logs" / "server.log", env)
        wait_for("the server answering", self._answers, 60, 0.5)
        say(f"server on {self.server_url} (pid {self.server.pid}), data in {self.data}")

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.server_url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def check_alive(self) -> None:
        for host in self.hosts:
            host.workers.check_alive()

    def stop(self) -> None:
        for host in self.hosts:
            host.workers.stop()
        if self.server is not None:
            stop_groups([self.server], 30)
        for host in self.hosts:
            host.docker.stop()
        self.redis.stop()


def prepare_server_data(topology: Topology, challenge_ids: set[str]) -> None:
    """The server's data folder: images, locks, the challenges registered from copies inside it;
    then owned by ``nobody``, mode 0700 (the server itself runs as root)."""
    data = topology.data
    if data.exists():
        shutil.rmtree(data)
    seed_data_dir(data, with_locks=True)
    for challenge_id in sorted(challenge_ids):
        copy = data / "challenges" / challenge_id
        shutil.copytree(CHALLENGES / challenge_id, copy, ignore=shutil.ignore_patterns("__py*"))
        register_challenge(topology.url, load_challenge(copy), str(copy), 0)
    subprocess.run(["chown", "-R", f"{SERVER_OWNER}:", str(data)], check=True)
    data.chmod(0o700)


def tokens(url: str) -> tuple[str, str]:
    with session_scope(url) as session:
        admin, _row = repo.create_token(session, "admin", "soak admin")
        worker, _row = repo.create_token(session, "worker", "soak workers")
    return admin, worker


def push_hosted(topology: Topology, admin: str, kind: Kind, index: int) -> str:
    """Invite a candidate to ``kind``'s challenge, push their work; returns the clone URL."""
    challenge, variant = kind
    response = httpx.post(
        f"{topology.server_url}/api/invitations",
        json={"challenge": challenge, "candidate": f"soak-{index}@example.com"},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=60,
    )
    response.raise_for_status()
    invited = response.json()
    scheme, rest = invited["clone_url"].split("://", 1)
    work = topology.root / "work" / f"hosted-{index:03d}"
    shutil.rmtree(work, ignore_errors=True)
    git = ["git", "-c", "credential.helper=", "-c", "user.name=Soak", "-c", "user.email=s@e.com"]
    subprocess.run([*git, "clone", "-q", f"{scheme}://c:{invited['token']}@{rest}", str(work)],
                   check=True, capture_output=True)  # fmt: skip
    if variant == "solution":
        shutil.copytree(CHALLENGES / challenge / "solution", work, dirs_exist_ok=True)
    else:
        (work / "NOTES.md").write_text(f"Submission {index}: the starter as it is.\n")
    subprocess.run([*git, "add", "-A"], cwd=work, check=True)
    subprocess.run([*git, "commit", "-qm", f"Submit attempt {index}"], cwd=work, check=True)
    subprocess.run([*git, "push", "-q", "origin", "main"], cwd=work, check=True,
                   capture_output=True)  # fmt: skip
    return str(invited["clone_url"])


def submit(topology: Topology, admin: str, plan: list[Kind], hosted_share: float) -> dict[str, str]:
    """Every submission queued (hosted pushes through the server, external repositories
    straight into the queue); returns submission id -> "challenge/variant"."""
    hosted_every = round(1 / hosted_share) if hosted_share > 0 else 0
    pushed: dict[str, str] = {}
    external: list[Kind] = []
    for index, kind in enumerate(plan):
        if hosted_every and index % hosted_every == 0:
            pushed[push_hosted(topology, admin, kind, index)] = label(kind)
        else:
            external.append(kind)
    bares = repositories(topology.root / "external", topology.root / "work", external)
    made: dict[str, str] = {}
    used: Counter[Kind] = Counter()
    settings = topology.settings()
    for kind in external:
        with session_scope(topology.url) as session:
            row = submissions.create(
                session,
                challenge_id=kind[0],
                repo_url=str(bares[kind]),
                ref=f"soak-{used[kind]:03d}",
            )
            submissions.queue_after_commit(session, settings, row)
            made[row.id] = label(kind)
        used[kind] += 1
    with session_scope(topology.url) as session:
        for row in repo.list_submissions(session):
            if row.repo in pushed:
                made[row.id] = pushed[row.repo]
    say(f"{len(pushed)} hosted pushes, {len(external)} external repositories queued")
    return made


def setup(args: argparse.Namespace, topology: Topology) -> list[Kind]:
    root, redis = topology.root, topology.redis
    plan = mix(args.submissions, args.service_share)
    challenges = {challenge for challenge, _variant in plan}
    images = needed_images(challenges)  # from this machine's engine, before the private ones
    redis.start()
    redis.flush()
    migrate(topology.url)
    prepare_server_data(topology, challenges)
    topology.start_server()
    admin, worker = tokens(topology.url)
    reach = {
        "GRADER_DATABASE_URL": topology.url,
        "GRADER_REDIS_URL": redis.url,
        "GRADER_PUBLIC_URL": topology.server_url,
        "GRADER_SERVER_URL": topology.server_url,
        "GRADER_WORKER_TOKEN": worker,
    }
    for number in (1, 2):
        host = WorkerHost.create(number, root, reach)
        shutil.rmtree(host.data, ignore_errors=True)
        seed_data_dir(host.data)  # images and inventories; the locks come in the bundles
        (host.data / "repos").symlink_to(root / "external", target_is_directory=True)
        topology.hosts.append(host)
        host.docker.start()
        host.docker.load_images(images)
    shutil.rmtree(root / "external", ignore_errors=True)
    (root / "external").mkdir()
    topology.admin = admin
    return plan


def run(args: argparse.Namespace) -> int:
    postgres = os.environ.get("GRADER_TEST_POSTGRES_URL")
    if not postgres:
        raise SystemExit("[soak] multihost needs PostgreSQL (GRADER_TEST_POSTGRES_URL)")
    python_for_workers()
    root = Path(args.root) / "multihost"
    (root / "logs").mkdir(parents=True, exist_ok=True)
    redis = Redis(SOAK_REDIS_PORT, root, private=True)
    topology = Topology(root, fresh_database(root, postgres), redis, [])
    try:
        plan = setup(args, topology)
        started = time.monotonic()
        made = submit(topology, topology.admin, plan, args.hosted_share)
        mixed = ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(made.values()).items()))
        say(f"{len(made)} submissions queued in {time.monotonic() - started:.1f}s: {mixed}")
        probes = server_probes(topology.data)
        problems = unreadable_to_workers(probes)
        say(f"a worker reading the server's data: {len(probes) - len(problems)} of "
            f"{len(probes)} paths refused (Permission denied)")  # fmt: skip
        for host in topology.hosts:
            host.workers.start()
        first = topology.hosts[0].workers
        plan_ = [Disruption(0.3, "SIGKILL the worker of host 1, start another", first.kill_one)]
        try:
            ended = watch(
                topology.url,
                len(made),
                plan_,
                started + args.timeout,
                topology.check_alive,
                lambda: on_target(topology.url, made),
            )
        except TimeoutError as exc:
            say(f"FAILED: {exc}")
            return 1
        for host in topology.hosts:
            host.workers.check_alive(replace=False)
            host.workers.stop()
        after = unreadable_to_workers(probes)
        say(f"after the run: {len(probes) - len(after)} of {len(probes)} paths refused")
        return report(topology, made, ended - started, problems + after)
    finally:
        topology.stop()


def on_target(url: str, made: dict[str, str]) -> bool:
    """Whether killing a worker now would hit a grading with services (or there is none)."""
    if not any(kind.startswith(f"{SERVICE_CHALLENGE}/") for kind in made.values()):
        return True
    return bool(running_owners(url, SERVICE_CHALLENGE))


def report(topology: Topology, made: dict[str, str], wall_s: float, problems: list[str]) -> int:
    events, stored = history(topology.url), reports(topology.url)
    graded: Counter[str] = Counter()
    for host in topology.hosts:
        graded += host.graded()
    problems = problems + graded_once(made, events, stored, graded)
    problems += scored_alike(made, stored)
    for host in topology.hosts:
        problems += [f"host {host.number}: worker {line}" for line in host.workers.died]
        problems += [f"host {host.number}: {p}" for p in left_behind(host.docker, host.data)]
        problems += host.denied_in_logs(topology.data)
        say(
            f"host {host.number}: {sum(host.graded().values())} gradings, "
            f"{host.workers.started} worker(s) started, bundles fetched: {host.bundles()}"
        )
    total = len(made)
    say(f"wall time: {wall_s:.1f}s for {total} submissions ({total / wall_s * 60:.1f}/min)")
    for name, value in figures(events, made).items():
        say(f"{name}: {value}")
    for problem in problems[:50]:
        say(f"PROBLEM: {problem}")
    say("PASSED" if not problems else f"FAILED: {len(problems)} problem(s)")
    return 0 if not problems else 1
