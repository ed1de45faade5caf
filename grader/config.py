"""One settings object, read from ``GRADER_*`` environment variables.

Defaults work on one machine: data under ``./.grader``, SQLite there, Redis on
localhost, the project's own ``challenges/`` as the catalogue. Values that would
make grading unsafe are refused here, once, rather than checked at each use.

Values given to ``Settings(...)`` win over the environment, which wins over the
defaults; variable names are matched case-insensitively. This is what
pydantic-settings did, read here in a few lines: importing it cost every fresh
process (``grader grade``, each worker) about 0.13 s of CPU for sources (cloud
vaults, dotenv, its own CLI) the grader never used.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Limits a challenge may not exceed, whatever its manifest says.
MAX_TIMEOUT_S = 900
MAX_MEMORY_MB = 8192
MAX_CPUS = 8.0

# Margin on top of a challenge's timeout_s for starting the sandbox and copying
# the submission in; past timeout_s + this, the container is killed from outside.
SANDBOX_START_MARGIN_S = 30.0

ENV_PREFIX = "GRADER_"


def environment_values(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """``GRADER_*`` variables by field name (lower case, prefix removed)."""
    return {
        name[len(ENV_PREFIX) :].lower(): value
        for name, value in environ.items()
        if name.upper().startswith(ENV_PREFIX)
    }


class Settings(BaseModel):
    # A GRADER_* variable that names no setting (another tool's) is ignored, not refused.
    model_config = ConfigDict(extra="ignore", validate_default=True)

    data_dir: Path = Field(default=Path(".grader"))
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    challenges_dir: Path = PROJECT_ROOT / "challenges"
    images_dir: Path = PROJECT_ROOT / "sandbox_images"

    # Sandbox
    base_image: str = "python:3.12-slim"
    runtime: Literal["runc", "runsc"] = "runc"
    pids_limit: int = Field(default=256, ge=16, le=4096)
    work_mb: int = Field(default=128, ge=8, le=4096)
    tmp_mb: int = Field(default=128, ge=8, le=4096)
    output_limit_kb: int = Field(default=256, ge=16, le=65536)
    docker_timeout_s: float = Field(default=120.0, gt=0)

    # Fetching submissions
    clone_timeout_s: float = Field(default=120.0, gt=0)
    max_repo_mb: int = Field(default=200, ge=1)
    max_tree_mb: int = Field(default=64, ge=1)

    # Hosted repositories (per candidate)
    max_hosted_repo_mb: int = Field(default=50, ge=1)  # on disk; a push past it is refused
    max_pushes_per_hour: int = Field(default=30, ge=1)  # accepted pushes, sliding window
    max_git_request_mb: int = Field(default=10, ge=1)  # one fetch request, after gzip
    git_timeout_s: float = Field(default=300.0, gt=0)  # one upload-pack or receive-pack
    # After a push to main, how long `git push` waits to print the grading (0: never waits),
    # and how often it prints a progress line meanwhile (git and proxies drop silent links).
    push_feedback_wait_s: float = Field(default=60.0, ge=0, le=600)
    push_keepalive_s: float = Field(default=10.0, gt=0, le=60)

    # Outgoing notifications and the reviewer pages
    notify_url: str = ""  # POSTed a signed JSON body when a grading completes; empty: off
    notify_secret: str = Field(default="", repr=False)
    secret_key: str = Field(default="", repr=False)  # signs page sessions; empty: generated

    # Serving and the queue
    public_url: str = "http://127.0.0.1:8000"  # how candidates reach this server
    max_job_timeout_s: float = Field(default=MAX_TIMEOUT_S + 300, gt=0)
    # After a stop request, how long a worker may finish its grading before it stops cold.
    worker_stop_timeout_s: float = Field(default=120.0, gt=0)

    # A worker on another host: the server it fetches hosted repositories and challenge
    # bundles from, with a worker token (grader/remote.py). Empty: read this host's folders.
    server_url: str = ""
    worker_token: str = Field(default="", repr=False)

    # Challenge validation
    validate_runs: int = Field(default=3, ge=1, le=20)
    # One more run of the solution with a busy loop on every core beside it, when the
    # challenge has timing tests: a budget a loaded machine breaks is the author's problem.
    validate_contention: bool = True

    # Retention: candidates inactive for this many days are erased (grader/retention.py); 0: never
    retention_days: int = Field(default=0, ge=0, le=36500)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        """The environment under the values given: pydantic then validates both alike."""
        if not isinstance(given, dict):
            return given
        return {**environment_values(os.environ), **given}

    @field_validator("data_dir", "challenges_dir", "images_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'grader.db'}"

    @property
    def hosted_prefixes(self) -> list[str]:
        """URL prefixes of this server's own hosted repositories (fetched over http)."""
        return [self.public_url.rstrip("/") + "/git/"]

    def subdir(self, name: str) -> Path:
        path = self.data_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
