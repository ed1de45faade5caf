"""A Java submission the whole way: `git push` to a real server, the queue, a real worker,
the report (Docker).

The same road as test_git_http.py's word-frequency push, for pricing-java: the hosted
repository is seeded with the Java starter, the candidate pushes the reference solution's
``src/main/java`` over smart HTTP, the push is queued, ``grader worker --burst`` compiles
and runs it with JUnit in the sandbox, and the report scores every test skill 100.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.config import PROJECT_ROOT
from tests.api.conftest import candidate_git
from tests.api.git_fixtures import GRADER, Deployment, Invited, clone, wait_for_catalogue
from tests.support.services import free_port, redis_server

PRICING_JAVA = PROJECT_ROOT / "challenges" / "pricing-java"
SOLUTION = PRICING_JAVA / "solution" / "src"


@pytest.fixture
def java_deployment(tmp_path: Path) -> Iterator[Deployment]:
    """`grader serve` with a catalogue of pricing-java only, its own data folder and Redis
    (a shared Redis may have other workers that take our job)."""
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "pricing-java").symlink_to(PRICING_JAVA, target_is_directory=True)
    port = free_port()
    with redis_server(tmp_path / "redis") as redis:
        env = {
            **os.environ,
            "GRADER_DATA_DIR": str(tmp_path / "data"),
            "GRADER_CHALLENGES_DIR": str(catalogue),
            "GRADER_REDIS_URL": redis.url,
        }
        env.pop("GRADER_DATABASE_URL", None)
        env.pop("GRADER_PUBLIC_URL", None)  # clone URLs follow the port the server listens on
        logs = tmp_path / "serve.log"
        with logs.open("wb") as log:
            server = subprocess.Popen(
                [*GRADER, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
            )
        try:
            yield Deployment(f"http://127.0.0.1:{port}", env, logs)
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.docker
def test_a_java_solution_pushed_to_a_real_server_is_graded_100(
    java_deployment: Deployment, tmp_path: Path
) -> None:
    deployment = java_deployment
    admin = deployment.run("token", "create", "--role", "admin").strip()
    wait_for_catalogue(deployment, admin)
    body = {"challenge": "pricing-java", "candidate": "ada@example.com"}
    created = deployment.api("POST", "/api/invitations", admin, json=body)
    assert created.status_code == 201, created.text
    ada = Invited(created.json()["id"], created.json()["clone_url"], created.json()["token"])

    work = tmp_path / "ada"
    assert clone(ada, ada.token, work).returncode == 0
    starter = work / "src" / "main" / "java" / "com" / "shop" / "Pricing.java"
    assert starter.is_file(), "the hosted repository is not seeded with the Java starter"
    shutil.copytree(SOLUTION, work / "src", dirs_exist_ok=True)
    assert candidate_git(work, "add", "-A").returncode == 0
    assert candidate_git(work, "commit", "-q", "-m", "Price orders exactly").returncode == 0
    sha = candidate_git(work, "rev-parse", "HEAD").stdout.strip()
    pushed = candidate_git(work, "push", "origin", "main")
    assert pushed.returncode == 0 and "queued for grading" in pushed.stderr, pushed.stderr

    deployment.run("worker", "--burst")

    [summary] = deployment.api("GET", "/api/submissions?candidate=ada@example.com", admin).json()
    detail = deployment.api("GET", f"/api/submissions/{summary['id']}", admin).json()
    assert (summary["status"], summary["commit"]) == ("graded", sha), detail["history"]
    report = deployment.api("GET", f"/api/submissions/{summary['id']}/report", admin).json()
    assert report["status"] == "graded", report
    assert report["challenge"]["id"] == "pricing-java", report["challenge"]
    assert report["submission"]["commit"] == sha
    assert report["integrity"]["mode"] == "shared", report["integrity"]
    test_skills = {n: s for n, s in report["skills"].items() if n != "version_control"}
    assert set(test_skills) == {"programming", "security", "performance"}, report["skills"]
    assert all(s["score"] == 100 for s in test_skills.values()), report["skills"]
    assert {t["outcome"] for t in report["tests"]} == {"passed"}, report["tests"]
    assert len(report["tests"]) == 15, [t["id"] for t in report["tests"]]
