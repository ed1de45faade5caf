"""`python -m scripts.soak` (what `make soak` runs): the options, one run, its figures and its
verdict. ``--help`` lists every option; see the package's docstring and docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url

import scripts.soak
from grader.config import Settings, get_settings
from grader.store.db import migrate
from scripts.soak import multihost
from scripts.soak.checks import Disruption, check, history, running_owners, watch
from scripts.soak.common import FINAL, PROJECT, say
from scripts.soak.deployment import (
    SERVICE_CHALLENGE,
    Kind,
    fresh_database,
    mix,
    prepare_data_dir,
    register,
    repositories,
    submit_all,
)
from scripts.soak.images import needed_images
from scripts.soak.services import SOAK_REDIS_PORT, Docker, Redis
from scripts.soak.workers import Workers


def share(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"a share is between 0 and 1, not {value}")
    return number


def parse() -> argparse.Namespace:
    description = (scripts.soak.__doc__ or "").splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m scripts.soak", description=description)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--service-share",
        type=share,
        default=None,
        help="the share of submissions of leaderboard-redis, with a Redis sidecar (0.2; "
        "multihost: 0, see scripts/soak/multihost.py)",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="fail after (s)")
    parser.add_argument("--root", type=Path, default=PROJECT / ".grader" / "soak")
    parser.add_argument(
        "--mode",
        choices=("disruptions", "multihost"),
        default="disruptions",
        help="disruptions: workers, Redis and Docker die under the gradings (the default); "
        "multihost: a server and two worker hosts sharing only Redis and PostgreSQL "
        "(scripts/soak/multihost.py)",
    )
    parser.add_argument(
        "--hosted-share",
        type=share,
        default=0.5,
        help="multihost: the share of submissions pushed to hosted repositories (0.5)",
    )
    parser.add_argument(
        "--shared-services",
        action="store_true",
        help="restart this machine's own Redis and Docker engine instead of private ones",
    )
    args = parser.parse_args()
    if args.service_share is None:
        args.service_share = 0.0 if args.mode == "multihost" else 0.2
    return args


@dataclass
class Soak:
    args: argparse.Namespace
    redis: Redis
    docker: Docker
    url: str = ""
    made: dict[str, str] = field(default_factory=dict)  # submission id -> "challenge/variant"

    @property
    def plan(self) -> list[Kind]:
        return mix(self.args.submissions, self.args.service_share)

    @property
    def data(self) -> Path:
        return Path(self.args.root) / "data"

    def setup(self) -> tuple[Settings, Workers, dict[Kind, Path]]:
        root = Path(self.args.root)
        (root / "logs").mkdir(parents=True, exist_ok=True)
        for old in (root / "logs").glob("worker-*.log"):
            old.unlink()
        prepare_data_dir(self.data)
        challenges = {challenge for challenge, _variant in self.plan}
        images = needed_images(challenges)  # before the private engine: from this machine's
        self.redis.start()
        self.redis.flush()
        self.docker.start()
        self.docker.load_images(images)
        self.url = fresh_database(root, os.environ.get("GRADER_TEST_POSTGRES_URL"))
        migrate(self.url)
        register(self.url, challenges)
        repos = self.data / "repos"
        repos.mkdir(parents=True)
        bares = repositories(repos, root / "work", self.plan)
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
        self.made = submit_all(settings, bares, self.plan)
        mixed = ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(self.made.values()).items()))
        say(f"{len(self.made)} submissions queued in {time.monotonic() - started:.1f}s: {mixed}")
        for _ in range(self.args.workers):
            workers.start()
        plan = [
            Disruption(
                0.2,
                "kill one worker with SIGKILL (one grading with services if any), start another",
                lambda: workers.kill_one(running_owners(self.url, SERVICE_CHALLENGE)),
            ),
            Disruption(0.4, "restart Redis", lambda: self.redis.restart(5)),
            Disruption(0.6, "restart the Docker engine", lambda: self.docker.restart(5)),
        ]
        try:
            deadline = started + self.args.timeout
            ended = watch(
                self.url,
                len(self.made),
                plan,
                deadline,
                workers.check_alive,
                self.on_target,
            )
            workers.check_alive(replace=False)
        except TimeoutError as exc:
            say(f"FAILED: {exc}")
            self.stuck()
            return 1
        finally:
            workers.stop()
        return self.report(ended - started, workers)

    def on_target(self) -> bool:
        """Whether a disruption now would hit a grading with services (or there is none)."""
        if not any(kind.startswith(f"{SERVICE_CHALLENGE}/") for kind in self.made.values()):
            return True
        return bool(running_owners(self.url, SERVICE_CHALLENGE))

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
    if args.mode == "multihost":
        return multihost.run(args)
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
