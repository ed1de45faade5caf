"""The profile's container measurements: the floor of one hardened container, what a pool of
pre-started sandboxes would leave on a grading's critical path, and CPU seconds per unit of
work (the suite, a grading, a container's life), from exact accounts.

These build containers exactly as the engine does (``grader.engine``'s
container arguments) through the bench's plain Docker client.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from grader.config import SANDBOX_START_MARGIN_S
from grader.engine.specs import create_kwargs
from grader.engine.streams import BoundedStreamReader
from grader.sandbox import MAX_FRAME_BYTES, SandboxJob, parse_frame
from scripts.bench.common import summary
from scripts.bench.gradings import inprocess_once
from scripts.bench.harness import Bench
from scripts.bench.machine import MachineCpu, cpu_of, own_cpu_s, pids_named
from scripts.bench.physical import reference_runs
from scripts.bench.subjects import Subject


def container_floor(bench: Bench, subject: Subject, reps: int) -> dict[str, Any]:
    """The same hardened container, running /bin/true: the floor of one sandbox."""
    challenge = subject.prepared.challenge
    spec = bench.sandbox.spec(
        SandboxJob(subject.image, b"", challenge.hidden_dir, challenge.limits)
    )
    phases: dict[str, list[float]] = {
        k: [] for k in ("create", "start", "wait", "inspect", "remove", "total")
    }
    for _ in range(reps):
        kwargs = create_kwargs(spec)
        kwargs["entrypoint"] = ["/bin/true"]
        kwargs["stdin_open"] = False
        t0 = time.perf_counter()
        container = bench.client.containers.create(spec.image, **kwargs)
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


def pool_probe(bench: Bench, subject: Subject, reps: int) -> dict[str, Any]:
    """What a pool of pre-started sandboxes would leave on a grading's critical path.

    Off the critical path: create, attach and start a sandbox exactly as the engine does,
    its hidden/ bind-mounted from an empty host folder, and let the supervisor block on
    stdin. On it: fill the folder with the hidden suite, feed the header and the tree,
    read the frame, wait. Removal is timed apart (it could be done after the report).
    """
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
        hidden = Path(tempfile.mkdtemp(prefix="pool-", dir=bench.data_dir)) / "hidden"
        hidden.mkdir()
        hidden.parent.chmod(0o755)
        spec = bench.sandbox.spec(SandboxJob(subject.image, b"", hidden, challenge.limits))
        t0 = time.perf_counter()
        container = bench.client.containers.create(spec.image, **create_kwargs(spec))
        attached = container.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
        raw = attached._sock
        reader = BoundedStreamReader(raw, MAX_FRAME_BYTES)
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
            nonce = secrets.token_hex(16)
            header = {
                "nonce": nonce,
                "command": "pytest",
                "args": ["hidden"],
                "timeout_s": challenge.limits.timeout_s,
                "tar_size": len(subject.workspace_tar),
                "output_limit": bench.settings.output_limit_kb * 1024,
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
                bench.warnings.append(f"pool probe: no clean frame ({artifacts.exit_code})")
        finally:
            t3 = time.perf_counter()
            container.remove(force=True, v=True)
            parts["remove"].append(time.perf_counter() - t3)
            shutil.rmtree(hidden.parent, ignore_errors=True)
    return {key: summary(values) for key, values in parts.items()}


def cpu_costs(bench: Bench, subject: Subject, reps: int) -> dict[str, Any]:
    """CPU seconds per unit of work, from exact accounts: the reference suite from its
    container's cgroup, the grader's own process (and its git children) from rusage, the
    Docker daemons (dockerd, containerd) from /proc. Not counted: containerd's shims and
    runc, which exit before they can be read, and the sandbox's own cgroup (gone when it
    exits; its suite costs what the reference's does). The daemons serve every user of
    the engine: other containers started meanwhile count too, least so in the short
    container-lifecycle window. On busy cores, throughput is bounded by these whatever
    the latency."""
    challenge = subject.prepared.challenge
    spec = bench.sandbox.spec(
        SandboxJob(subject.image, b"", challenge.hidden_dir, challenge.limits)
    )
    daemons = [pid for name in ("dockerd", "containerd") for pid in pids_named(name)]
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
    machine = MachineCpu()
    for _ in range(reps):
        if cgroup.is_file():
            before = int(cgroup.read_text()) / 1e9
            reference_runs(bench, subject, 1)
            out["reference_suite"].append(int(cgroup.read_text()) / 1e9 - before)
        daemons_before, own_before = cpu_of(daemons), own_cpu_s()
        machine.start()
        inprocess_once(bench, subject)
        time.sleep(1.5)  # the pool's refill and the removal, in the background
        out["grading_whole_machine"].append(machine.used())
        out["grading_grader_process"].append(own_cpu_s() - own_before)
        out["grading_docker_daemons"].append(cpu_of(daemons) - daemons_before)
        daemons_before = cpu_of(daemons)
        machine.start()
        kwargs = create_kwargs(spec)
        kwargs["entrypoint"] = ["/bin/true"]
        kwargs["stdin_open"] = False
        created = bench.client.containers.create(spec.image, **kwargs)
        created.start()
        created.wait(timeout=60)
        created.remove(force=True, v=True)
        out["container_lifecycle_whole_machine"].append(machine.used())
        out["container_lifecycle_docker_daemons"].append(cpu_of(daemons) - daemons_before)
    return {kind: summary(values) for kind, values in out.items() if values}
