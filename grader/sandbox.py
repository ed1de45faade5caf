"""Sandbox stage: run a command against a working tree, in isolation, and save what came out.

``Sandbox`` is the seam: ``DockerSandbox`` is the real one; tests of later
stages may use a fake that returns prepared ``RunArtifacts``. The artifacts are
everything grading needs, so a grade can be recomputed without Docker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from grader import services
from grader.challenge import Limits
from grader.config import SANDBOX_START_MARGIN_S, Settings
from grader.engine import ContainerSpec, Engine
from grader.images import ImageBuilder
from grader.pool import PoolKey, Warm, WarmPool
from grader.services import RunningServices, ServiceRequest

MAX_FRAME_BYTES = 32 << 20
log = logging.getLogger("grader.sandbox")
GRADER_UID = 10001  # the uid of the sandbox's test process (runner/supervise.py)
PHASES = ("tree_s", "extract_s", "suite_s", "end_s")  # of PID 1's own time, in its frame


@dataclass(frozen=True)
class SandboxJob:
    image: str
    workspace_tar: bytes
    hidden_dir: Path  # host folder, mounted read-only at /work/hidden
    limits: Limits
    command: str = "pytest"  # pytest | collect | node
    args: tuple[str, ...] = ("hidden",)
    isolation: str = "process"  # process: the submission in its own process (Python); shared
    labels: dict[str, str] = field(default_factory=dict)
    services: tuple[ServiceRequest, ...] = ()  # sidecars on a private network (services.py)


@dataclass
class RunArtifacts:
    """What one sandbox run produced, as saved to disk (``artifacts.json``)."""

    frame_found: bool
    supervisor_error: str | None = None
    exit_code: int | None = None  # of the test process, as the supervisor saw it
    timed_out: bool = False
    killed_by_host: bool = False
    oom_killed: bool = False
    duration_s: float = 0.0
    records: list[Any] = field(default_factory=list)
    bad_lines: int = 0
    output: dict[str, Any] = field(default_factory=dict)
    container_exit: int | None = None
    runtime: str = "runc"
    candidate_processes: int | None = None  # isolated gradings: how many PID 1 started
    services: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> image, version
    services_start_s: float = 0.0  # from creating their network to every one answering
    # Python images: whether PID 1's pre-started processes ran the suite ({"used", "ready_s"})
    prestart: dict[str, Any] | None = None
    # PID 1's own time, from the header on (PHASES): the bench splits its overhead with them
    phases: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunArtifacts:
        return cls(**json.loads(text))


class Sandbox(Protocol):
    def run(self, job: SandboxJob) -> RunArtifacts: ...


class DockerSandbox:
    """The real sandbox. With ``warm=True`` it keeps started containers ready (grader.pool):
    for long-lived processes (a worker, the demo), which must ``close()`` it."""

    def __init__(
        self, settings: Settings, engine: Engine | None = None, warm: bool = False
    ) -> None:
        self.settings = settings
        self.engine = engine or Engine(settings.docker_timeout_s)
        self.pool = WarmPool(self.engine, settings.subdir("warm")) if warm else None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def spec(
        self, job: SandboxJob, hidden: Path | None = None, network: str = "none"
    ) -> ContainerSpec:
        s = self.settings
        return ContainerSpec(
            image=job.image,
            memory_mb=job.limits.memory_mb,
            cpus=job.limits.cpus,
            pids_limit=s.pids_limit,
            tmpfs={
                # sticky and shared: the tree belongs to whoever runs the submission's code
                "/work": f"size={s.work_mb}m,mode=1777",
                "/tmp": f"size={s.tmp_mb}m,mode=1777",
            },
            read_only_binds={"/work/hidden": str(hidden or job.hidden_dir)},
            runtime=s.runtime,
            labels=job.labels,
            network=network,
        )

    def _take_warm(self, job: SandboxJob) -> Warm | None:
        """A started sandbox with this job's hidden suite copied into its mounted folder."""
        warm = self.pool.take(_key(job, self.settings.runtime)) if self.pool else None
        if warm is not None:
            shutil.copytree(job.hidden_dir, warm.hidden, dirs_exist_ok=True)
            seal_hidden(warm.hidden)
        return warm

    def _sealed_copy(self, job: SandboxJob) -> Path:
        """A copy of the hidden suite only the grader's uid can read, for a cold sandbox
        (the challenge's own folder is never re-owned)."""
        folder = Path(tempfile.mkdtemp(prefix="hidden-", dir=self.settings.subdir("tmp")))
        shutil.copytree(
            job.hidden_dir, folder / "hidden", ignore=shutil.ignore_patterns("__pycache__")
        )
        seal_hidden(folder / "hidden")
        return folder / "hidden"

    def _refill(self, job: SandboxJob) -> None:
        if self.pool is not None:
            self.pool.refill(
                _key(job, self.settings.runtime),
                lambda hidden, network: self.spec(job, hidden, network),
                (lambda: self._services(job)) if job.services else None,
            )

    def _services(self, job: SandboxJob) -> contextlib.AbstractContextManager[RunningServices]:
        images = {request.kind: self._service_image(request.kind) for request in job.services}
        return services.running(
            self.engine, job.services, images, job.labels, self.settings.runtime
        )

    def run(self, job: SandboxJob) -> RunArtifacts:
        warm = self._take_warm(job)
        # Start the next sandbox now, while this one runs, so that a job arriving right after
        # this one finds it ready; again at the end if this start failed. A set with services
        # is started after the run instead: its start (PostgreSQL's above all) would take a
        # core from this suite on a small machine.
        if not job.services:
            self._refill(job)
        try:
            if warm is not None or not job.services:
                return self._run(job, warm, warm.services if warm else None)
            with self._services(job) as running:  # cold: no set was ready
                return self._run(job, None, running)
        finally:
            if warm is not None:
                warm.discard_folder()
                if self.pool is not None:
                    self.pool.release_later(warm)
            self._refill(job)

    def _service_image(self, kind: services.ServiceKind) -> tuple[str, str]:
        builder = ImageBuilder(self.settings, self.engine, log=log.info)
        image = builder.recorded_service(kind.value) or builder.service_image(kind.value)
        return image.reference, image.image_id

    def _run(
        self, job: SandboxJob, warm: Warm | None, running: RunningServices | None
    ) -> RunArtifacts:
        nonce = secrets.token_hex(16)
        header = {
            "nonce": nonce,
            "command": job.command,
            "args": list(job.args),
            "timeout_s": job.limits.timeout_s,
            "tar_size": len(job.workspace_tar),
            "output_limit": self.settings.output_limit_kb * 1024,
            "isolation": job.isolation,
            "env": running.environment if running else {},
        }
        stdin = json.dumps(header).encode() + b"\n" + job.workspace_tar
        sealed = None if warm is not None else self._sealed_copy(job)
        try:
            run = self.engine.run_sandbox(
                self.spec(job, sealed, running.network if running else "none"),
                stdin,
                wall_timeout_s=job.limits.timeout_s + SANDBOX_START_MARGIN_S,
                stdout_limit=MAX_FRAME_BYTES,
                started=warm.container if warm else None,
                # A process that grades once may exit right after: remove before it does.
                remove_in_background=self.pool is not None and self.pool.starts is None,
            )
        finally:
            if sealed is not None:
                shutil.rmtree(sealed.parent, ignore_errors=True)
        artifacts = parse_frame(run.stdout, nonce)
        if run.exit_code != 0:
            # The supervisor exits 0 right after its frame. Any other ending (killed from
            # inside, where a runtime allows it, or from outside at the deadline) means the
            # frame on stdout may not be the supervisor's: trust none.
            artifacts = RunArtifacts(frame_found=False)
        artifacts.killed_by_host = run.killed_by_host
        artifacts.oom_killed = run.oom_killed
        artifacts.container_exit = run.exit_code
        artifacts.runtime = self.settings.runtime
        if running is not None:
            artifacts.services = running.described
            # Services started ahead (a warm set) kept no grading waiting.
            artifacts.services_start_s = 0.0 if warm is not None else running.start_s
        return artifacts

    def prestart(self, job: SandboxJob) -> None:
        """Start, in the background, the one sandbox a process that grades once will run
        ``job``-like jobs in (same image, limits and services; the working tree is sent
        later), so that its start overlaps the fetch and the working tree's build. Only
        that one: ``run`` takes it (waiting for it if still starting) and starts no
        other. Without a pool of its own, this sandbox gets a bounded one; ``close()``
        removes the sandbox if no run took it."""
        if self.pool is None:
            self.pool = WarmPool(self.engine, self.settings.subdir("warm"), starts=1)
        self._refill(job)


def seal_hidden(folder: Path) -> None:
    """Make the hidden suite readable by the grader's uid in the sandbox (10001) and by no
    other: the candidate's code (uid 10002) cannot read the tests or their expected values.
    Mounted read-only, so not even 10001 can change its modes there."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        os.chown(path, GRADER_UID, GRADER_UID)
        os.chmod(path, 0o500 if path.is_dir() else 0o400)


def _key(job: SandboxJob, runtime: str) -> PoolKey:
    return PoolKey(job.image, job.limits.memory_mb, job.limits.cpus, runtime, job.services)


def parse_frame(stdout: bytes, nonce: str) -> RunArtifacts:
    """The supervisor's one frame, found by its nonce; anything else on stdout is ignored."""
    begin, end = f"{nonce}:BEGIN\n".encode(), f"\n{nonce}:END".encode()
    start = stdout.rfind(begin)
    stop = stdout.find(end, start + len(begin)) if start >= 0 else -1
    if start < 0 or stop < 0:
        return RunArtifacts(frame_found=False)
    try:
        payload = json.loads(stdout[start + len(begin) : stop])
    except ValueError:
        return RunArtifacts(frame_found=False)
    if not isinstance(payload, dict):
        return RunArtifacts(frame_found=False)
    if not payload.get("ok"):
        return RunArtifacts(frame_found=True, supervisor_error=str(payload.get("error"))[:2000])
    records, output = payload.get("records"), payload.get("output")
    return RunArtifacts(
        frame_found=True,
        exit_code=_int_or_none(payload.get("exit_code")),
        timed_out=bool(payload.get("timed_out")),
        duration_s=float(payload.get("duration_s") or 0.0),
        records=records if isinstance(records, list) else [],
        bad_lines=int(payload.get("bad_lines") or 0),
        output=output if isinstance(output, dict) else {},
        candidate_processes=_int_or_none(payload.get("candidate_processes")),
        prestart=_prestart(payload.get("prestart")),
        phases=_phases(payload),
    )


def _phases(payload: dict[str, Any]) -> dict[str, float]:
    """PID 1's phases: reading the tree, extracting it, the suite's run from the extracted
    tree to the records read, and the end of that run after its clock stopped."""
    given = payload.get("phases")
    found = {**(given if isinstance(given, dict) else {}), "end_s": payload.get("end_s")}
    return {
        name: float(value)
        for name, value in found.items()
        if name in PHASES and isinstance(value, int | float) and not isinstance(value, bool)
    }


def _prestart(value: Any) -> dict[str, Any] | None:
    """The frame's ``prestart``, kept only as plain bounded values."""
    if not isinstance(value, dict):
        return None
    ready = value.get("ready_s")
    ready_s = None
    if isinstance(ready, int | float) and not isinstance(ready, bool):
        ready_s = float(ready)
    return {"used": value.get("used") is True, "ready_s": ready_s}


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
