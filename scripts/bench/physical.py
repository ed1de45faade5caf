"""Reference 1, the physical limit: the hidden suite run the way the sandbox's supervisor runs
it, on the same tree, in an already-running container of the same image (``docker exec``,
timed inside the container by the supervisor's own clock).

No container to create, no tree to copy, no git, no queue: what no grader can beat.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import docker

from scripts.bench.harness import Bench
from scripts.bench.subjects import Subject

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


def reference_runs(bench: Bench, subject: Subject, runs: int, lanes: int = 1) -> dict[str, Any]:
    """Reference 1: `runs` suite runs split over `lanes` concurrent `docker exec`s, each
    timed inside its container by the supervisor's own clock."""
    per_lane = [runs // lanes + (1 if i < runs % lanes else 0) for i in range(lanes)]
    results: list[Any] = [None] * lanes

    def lane(index: int) -> None:
        client = bench.client if lanes == 1 else docker.from_env(timeout=300)
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
        bench.warnings.append(f"reference run of {subject.id} exited {codes}")
    # The lanes' own busy time, without starting `docker exec` (the limit has no exec).
    busy = max(sum(d for d, _code in lane_result) for lane_result in results)
    return {"durations": durations, "wall_s": wall, "busy_wall_s": busy}
