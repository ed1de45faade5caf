"""The sandbox's PID 1: receives the submission, runs the suite, reports once.

Protocol. The host writes to stdin one JSON header line, then exactly
``tar_size`` bytes of an uncompressed tar of the working tree. The supervisor
extracts it into the working directory, runs ``command`` with the time limit,
and writes exactly one frame to stdout:

    <nonce>:BEGIN\n{json}\n<nonce>:END\n

Why PID 1 and undumpable: a process in the container cannot SIGKILL or SIGSTOP
its PID 1, and once PR_SET_DUMPABLE is 0 it cannot open our /proc/1/fd/* or
read our memory either, although it runs as the same user. So the candidate's
code cannot stop the clock, write to our stdout, or learn the nonce. The
supervisor is also the init that reaps every orphan, and at the end it kills
every other process in the container (kill -1) before it reports, so nothing
the candidate started outlives the run or writes into the frame.

Two uids (the container starts as root with only CAP_SETUID, CAP_SETGID and
CAP_KILL, and PID 1 keeps them only for this): the test process runs as the
grader's uid 10001, which alone can read the hidden suite. In an isolated
Python grading the submission's code runs in candidate processes under uid
10002, which PID 1 starts when the test process asks on its control socket,
handing it one end of a socket pair (grader_isolation.py); those processes
cannot signal, trace or read the test process, and hold no results channel.
An isolated Node grading asks the same way over FIFOs in a folder only the
grader's uid can enter (supervise_nodelink.py): each suite module names its
``SPAWNER``, and PID 1 serves either alike.

In the Python image PID 1 starts the test process and one candidate process
before it reads the header (supervise_prestart.py): they wait, importing only
the grader's and pytest's modules, and go once the tree is extracted; the
suite's clock starts then. Runs they do not fit start their processes as above.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import itertools
import json
import os
import select
import selectors
import signal
import subprocess
import sys
import tarfile
import time
from typing import Any

# The runners of each language are files beside this one (-I keeps this folder off
# sys.path). /opt/grader is the image's, root-owned: nothing of the submission's is here.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import suite_java
import suite_node
import suite_python
import supervise_prestart
from supervise_channels import (
    CANDIDATE_UID,
    GRADER_UID,
    SAFE_ENV,
    WORKDIR,
    BoundedOutput,
    CandidateSpawner,
    HeadOnly,
    ResultsPipe,
    start_as,
)
from supervise_nodelink import NodeLinkSpawner
from supervise_prestart import Prestarted

SUITES = (suite_python, suite_node, suite_java)
MAX_HEADER = 1 << 16
# PID 1's side of the link to the candidate processes (the suite module's SPAWNER).
Spawner = CandidateSpawner | NodeLinkSpawner
PR_SET_DUMPABLE = 4


def make_undumpable() -> None:
    with contextlib.suppress(OSError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def read_exactly(stream: Any, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            raise EOFError(f"input ended {left} bytes early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def extract_as(uid: int, tar_bytes: bytes) -> None:
    """Extract the tree as ``uid`` (a forked child that drops to it), so the files belong to
    whoever runs the submission's code, and root never writes a path from the archive."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            if os.getuid() == 0:
                drop_to(uid, umask=0o022)
            extract(tar_bytes)
            code = 0
        finally:
            os._exit(code)
    _, raw = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(raw) != 0:
        raise RuntimeError("the working tree could not be extracted")


def drop_to(uid: int, umask: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    os.umask(umask)


def extract(tar_bytes: bytes) -> None:
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(WORKDIR, filter="data")
        else:  # pragma: no cover - Pythons without extraction filters
            members = [m for m in archive.getmembers() if _inside(m.name)]
            archive.extractall(WORKDIR, members=members)


def _inside(name: str) -> bool:
    path = os.path.normpath(os.path.join(WORKDIR, name))
    return path == WORKDIR or path.startswith(WORKDIR + os.sep)


def kill_everyone_else() -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)


def reap(main_pid: int, status: dict[str, int | None]) -> None:
    """Reap every exited child; remember the main child's exit status."""
    while True:
        try:
            pid, raw = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid == main_pid:
            status["code"] = os.waitstatus_to_exitcode(raw)


def start(
    command: list[str],
    results: ResultsPipe,
    control: Spawner | None,
    env: dict[str, str],
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the test process now; returns it and the reading end of its output pipe."""
    out_read, out_write = os.pipe()
    keep = (results.write_fd,) + (control.test_fds if control else ())
    link_env = control.test_env() if control else {}
    child = start_as(GRADER_UID, command, {**SAFE_ENV, **env, **link_env}, out_write, keep)
    results.close_write_end()
    if control is not None:
        control.started(out_write)
    else:
        os.close(out_write)
    return child, out_read


def run(
    command: list[str],
    timeout_s: float,
    output_limit: int,
    results: ResultsPipe,
    control: Spawner | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Start the test process and follow it (scripts/bench/physical.py runs it this way)."""
    started = time.monotonic()
    child, pipe = start(command, results, control, env or {})
    return follow(child, pipe, started, timeout_s, output_limit, results, control)


def follow(
    child: subprocess.Popen[bytes],
    pipe: int,
    started: float,
    timeout_s: float,
    output_limit: int,
    results: ResultsPipe,
    control: Spawner | None = None,
) -> dict[str, Any]:
    """Wait for the test process (started, or told to go, at ``started``) with the time
    limit, serving the control socket and draining its output and results."""
    output = BoundedOutput(output_limit)
    os.set_blocking(pipe, False)
    selector = selectors.DefaultSelector()
    selector.register(pipe, selectors.EVENT_READ, output)
    selector.register(results.read_fd, selectors.EVENT_READ, results.buffer)
    if control is not None:
        selector.register(control.our_fd, selectors.EVENT_READ, control)
    status: dict[str, int | None] = {"code": None}
    timed_out = False
    while status["code"] is None:
        if time.monotonic() - started > timeout_s:
            timed_out = True
            break
        for key, _mask in selector.select(timeout=0.05):
            if key.data is control and control is not None:
                if not control.serve():
                    selector.unregister(key.fd)
                continue
            _drain(int(key.fd), key.data)
        reap(child.pid, status)
    ended = time.monotonic()
    duration = ended - started
    # Whatever the main child left behind (daemons, a fork bomb, a sleeper
    # holding a pipe open) dies now, so draining cannot block and nothing runs on.
    kill_everyone_else()
    if control is not None:
        control.close()
    deadline = time.monotonic() + 2.0
    _drain_until_closed(pipe, output, deadline)
    _drain_until_closed(results.read_fd, results.buffer, deadline)
    _reap_all(child.pid, status)
    child.returncode = 0  # reaped above; keep Popen from waiting again
    extra = {"candidate_processes": control.spawned} if control is not None else {}
    records, bad_lines = results.records()
    return {
        "exit_code": status["code"],
        "timed_out": timed_out,
        "duration_s": round(duration, 6),
        # after the clock: the others killed, the pipes drained, the records read
        "end_s": round(time.monotonic() - ended, 6),
        "output": output.as_dict(),
        **extra,
        "records": records,
        "bad_lines": bad_lines,
    }


def run_suite(
    header: dict[str, Any], isolated: bool, env: dict[str, str], prestarted: Prestarted | None
) -> dict[str, Any]:
    """Run the suite in the pre-started processes when they fit the header, else as new."""
    timeout_s, limit = float(header["timeout_s"]), int(header.get("output_limit", 1 << 18))
    if prestarted is not None:
        command = build_command(header, prestarted.results, prestarted.control)
        if prestarted.fits(header, isolated, command):
            prestarted.control.use_env(env)
            started = time.monotonic()  # the suite's clock starts at go
            used = prestarted.go(command, env)
            if used is not None:
                p = prestarted
                outcome = follow(
                    p.child, p.out_read, started, timeout_s, limit, p.results, p.control
                )
                return {**outcome, "prestart": used}
        prestarted.discard()
    suite = suite_for(header)
    results = ResultsPipe(socket_pair=suite.SOCKET_RESULTS)
    control = suite.SPAWNER(env) if isolated else None
    outcome = run(build_command(header, results, control), timeout_s, limit, results, control, env)
    return {**outcome, "prestart": None if prestarted is None else {"used": False}}


def _steps(clock: list[float]) -> list[float]:
    return [round(b - a, 6) for a, b in itertools.pairwise(clock)]


def _drain(pipe: int, output: BoundedOutput | HeadOnly) -> bool:
    """Read what is available; False once the pipe is closed."""
    while True:
        try:
            data = os.read(pipe, 1 << 16)
        except BlockingIOError:
            return True
        if not data:
            return False
        output.add(data)


def _drain_until_closed(pipe: int, output: BoundedOutput | HeadOnly, deadline: float) -> None:
    """Drain until the pipe's end or the deadline, woken by the data or the end itself: the
    processes killed just before close their ends within microseconds, a sleep took 10 ms."""
    while _drain(pipe, output):
        left = deadline - time.monotonic()
        if left <= 0:
            return
        select.select([pipe], [], [], left)


def _reap_all(main_pid: int, status: dict[str, int | None]) -> None:
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            pid, raw = os.waitpid(-1, 0)
        except ChildProcessError:
            return
        if pid == main_pid:
            status["code"] = os.waitstatus_to_exitcode(raw)


def suite_for(header: dict[str, Any]) -> Any:
    """The language's runner module (suite_<language>.py) for the header's command."""
    for suite in SUITES:
        if header["command"] in suite.COMMANDS:
            return suite
    raise ValueError(f"unknown command {header['command']!r}")


def build_command(header: dict[str, Any], results: ResultsPipe, control: Any) -> list[str]:
    """The test process's command line (scripts/bench.py runs it the same way)."""
    return suite_for(header).command(header, results, control)


def emit(nonce: str, payload: dict[str, Any]) -> None:
    frame = f"\n{nonce}:BEGIN\n{json.dumps(payload)}\n{nonce}:END\n".encode()
    sys.stdout.buffer.write(frame)
    sys.stdout.buffer.flush()


def prestart() -> Prestarted | None:
    """The pre-started processes of a Python image; None elsewhere, or if they fail to start
    (the run then starts its processes after the header, as without them)."""
    if not supervise_prestart.available():
        return None
    try:
        return Prestarted()
    except Exception:
        return None


def main() -> int:
    make_undumpable()
    # PID 1 only receives signals it handles; Python handles SIGINT by default,
    # which would let the candidate's code interrupt us. Ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prestarted = prestart()  # while the header has not come yet (supervise_prestart.py)
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline(MAX_HEADER))
    nonce = header["nonce"]
    clock = [time.monotonic()]  # PID 1's own phases from here (the bench reports them)
    try:
        suite = suite_for(header)
        isolated = header.get("isolation") == "process" and suite.ISOLATES
        tree = read_exactly(stdin, int(header["tar_size"]))
        clock.append(time.monotonic())
        extract_as(CANDIDATE_UID if isolated else GRADER_UID, tree)
        clock.append(time.monotonic())
        # The services' connection details (DATABASE_URL, REDIS_URL ...), for both sides.
        env = {str(k): str(v) for k, v in (header.get("env") or {}).items()}
        outcome = run_suite(header, isolated, env, prestarted)
        clock.append(time.monotonic())
        phases = dict(zip(("tree_s", "extract_s", "suite_s"), _steps(clock), strict=True))
        emit(nonce, {"schema": 1, "ok": True, **outcome, "phases": phases})
    except Exception as exc:  # the host must always get a frame it can act on
        emit(nonce, {"schema": 1, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return 0


if __name__ == "__main__":
    code = main()
    # The host waits for this container's exit after the frame (its exit status is part of
    # the verdict): skipping the interpreter's teardown (every module, every object, with
    # nothing left to release) brings the exit about 8 ms sooner.
    sys.stdout.flush()
    os._exit(code)
