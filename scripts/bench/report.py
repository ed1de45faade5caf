"""The run's results as the issue's targets (reported, never asserted) and as a table.

Pure functions of the results' JSON: nothing here measures anything.
"""

from __future__ import annotations

from typing import Any

from scripts.bench.common import STAGES

PATHS = ("inprocess", "cli", "api_queue")
# Issue 20's budgets: overhead above the suite's own run (the small challenge's median), the
# throughput ratios, the worker's memory, and what process isolation may add to a grading.
OVERHEAD_BUDGET_S = {"inprocess": 0.10, "cli": 0.45}
THROUGHPUT_FLOOR = {"1": 0.8, "2": 0.7}
MEMORY_BUDGET_MB = 150
ISOLATION_BUDGET_S = 0.15


def _target(target: str, value: Any, met: bool) -> dict[str, Any]:
    return {"target": target, "value": value, "met": met}


def targets(results: dict[str, Any], small: str) -> list[dict[str, Any]]:
    """Issue 20's targets, one line each, reported (never asserted)."""
    latency = results["latency"]
    out = [
        _target(
            f"overhead above the suite's own run, {path}, {small}, median <= {budget:.2f} s",
            latency[small][path]["overhead_vs_own_suite_run"]["median_s"],
            latency[small][path]["overhead_vs_own_suite_run"]["median_s"] <= budget,
        )
        for path, budget in OVERHEAD_BUDGET_S.items()
    ]
    out += naive_targets(results)
    out += throughput_targets(results)
    pss = results["memory"]["peak_pss_mb"]
    out.append(
        _target(
            f"worker memory with a warm pool <= {MEMORY_BUDGET_MB} MB (PSS of worker + children)",
            pss,
            0 < pss <= MEMORY_BUDGET_MB,
        )
    )
    for challenge, entry in results.get("isolation", {}).items():
        added = entry["overhead_per_grading_s"]
        out.append(
            _target(
                f"process isolation adds <= {ISOLATION_BUDGET_S:.2f} s to a grading ({challenge})",
                added,
                added <= ISOLATION_BUDGET_S,
            )
        )
    return out + services_targets(results)


def throughput_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The throughput floors: a share of the physical limit, and the naive grader's."""
    out = []
    for challenge, per in results["throughput"].items():
        for lanes, floor in THROUGHPUT_FLOOR.items():
            if lanes not in per:
                continue
            grader, naive = per[lanes]["grader"]["ratio"], per[lanes]["naive"]["ratio"]
            out.append(
                _target(
                    f"throughput with {lanes} worker(s) >= {floor} of the physical limit and "
                    f">= the naive grader's ({challenge})",
                    f"{grader} (naive {naive})",
                    grader >= floor and grader >= naive,
                )
            )
    return out


def naive_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every path at or below the naive grader's ratio, median and p95, on each challenge."""
    out = []
    for challenge, entry in results["latency"].items():
        naive = entry["naive"]
        for path in PATHS:
            mine = entry[path]
            out.append(
                _target(
                    f"{path} at or below the naive grader ({challenge}), median and p95",
                    f"x{mine['ratio_median']:.2f}/x{mine['ratio_p95']:.2f} "
                    f"(naive x{naive['ratio_median']:.2f}/x{naive['ratio_p95']:.2f})",
                    mine["median_s"] <= naive["median_s"] and mine["p95_s"] <= naive["p95_s"],
                )
            )
    return out


def services_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 16's budget: a PostgreSQL challenge's overhead above its suite's run."""
    out = []
    for challenge, modes in results.get("services", {}).items():
        value = modes["warm"]["overhead_vs_own_suite_run"]["median_s"]
        out.append(
            {
                "target": f"grading overhead above the suite's own run with services ({challenge}, "
                "warm pool), median <= 0.500 s",
                "value": value,
                "met": value <= 0.5,
            }
        )
    return out


def render(results: dict[str, Any]) -> str:
    lines: list[str] = [header_line(results)]
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
            "run": "run: tree sent -> exit reported",
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
        split = entry["sandbox_split"]
        if split.get("prestart_fraction") is not None:
            lines.append(
                f"    suite in processes started before the job in "
                f"{split['prestart_fraction']:.0%} of the runs"
            )
        if split.get("prestart_ready"):
            add("      their start, off the critical path (ready_s)", split["prestart_ready"])
        for key, label in (
            ("tree", "PID 1: reading the tree"),
            ("extract", "PID 1: extracting it"),
            ("start", "PID 1: the suite's start, before its clock"),
            ("end", "PID 1: after the clock (kill, drain, records)"),
            ("exit", "not PID 1's: the header's way in, its exit until reported"),
        ):
            if split.get("supervisor"):
                add(f"    {label}", split["supervisor"][key])
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
    lines += throughput_lines(results)
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
    lines += services_lines(results)
    lines += machine_lines(results)
    lines += tail_lines(results)
    return "\n".join(lines)


def throughput_lines(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    trow = "{:<44} {:>9} {:>9} {:>8} {:>10} {:>11}"
    for challenge, per in results["throughput"].items():
        lines += ["", f"== throughput: {challenge} (gradings per minute; x = ratio to reference 1)"]
        lines.append(trow.format("", "jobs", "per min", "x", "CPU-s/job", "cores busy"))
        for lanes, kinds in per.items():
            for kind in ("reference_physical", "grader", "naive"):
                k = kinds[kind]
                lines.append(
                    trow.format(
                        f"{lanes} lane(s)/worker(s): {kind}",
                        k["jobs"],
                        f"{k['per_minute']:.1f}",
                        f"{k['ratio']:.2f}",
                        f"{k['cpu_s_per_job']:.3f}" if "cpu_s_per_job" in k else "",
                        f"{k['machine_busy_fraction']:.0%}" if "machine_busy_fraction" in k else "",
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
    return lines


def render_throughput(results: dict[str, Any]) -> str:
    """``--only throughput``: the machine, the throughput phase, its targets."""
    return "\n".join([header_line(results), *throughput_lines(results), *tail_lines(results)])


def header_line(results: dict[str, Any]) -> str:
    meta = results["meta"]
    machine = meta["machine"]
    return (
        f"grader bench  {meta['date']}  commit {meta['git_commit'][:12]}"
        f"{' (dirty)' if meta['git_dirty'] else ''}  {machine['cpus']} CPUs  "
        f"{machine['memory_mb']} MB  docker {machine['docker']}  runtime {meta['runtime']}"
    )


def render_machine_profile(results: dict[str, Any]) -> str:
    """``--only machine-profile``: the machine, then CPU seconds per grading by role."""
    return "\n".join([header_line(results), *machine_lines(results), *tail_lines(results)])


def machine_lines(results: dict[str, Any]) -> list[str]:
    return _role_lines(results.get("profile", {}).get("machine")) + _lifecycle_lines(
        results.get("profile", {}).get("lifecycle")
    )


def _lifecycle_lines(lifecycle: dict[str, Any] | None) -> list[str]:
    if not lifecycle:
        return []
    if "error" in lifecycle:
        return ["", f"== container lifecycle: not available ({lifecycle['error']})"]
    lines = [
        "",
        "== container lifecycle running /bin/true: CPU seconds of dockerd, containerd, "
        "shims, runc and the client",
    ]
    for name, entry in lifecycle.items():
        lines.append(f"  {name:<54} {entry['cpu_s_median']:>7.3f}  x{entry['vs_sandbox']:.2f}")
    return lines


def _role_lines(machine: dict[str, Any] | None) -> list[str]:
    if not machine:
        return []
    if "error" in machine:
        return ["", f"== machine-wide profile: not available ({machine['error']})"]
    lines = [
        "",
        f"== machine-wide profile: CPU seconds per grading, by role "
        f"({machine['gradings']} in-process gradings, "
        f"{machine['whole_machine_cpu_s_per_grading']:.3f} s in all)",
    ]
    counts = machine.get("processes_per_grading", {})
    for role, seconds in machine["cpu_s_per_grading"].items():
        processes = f"{counts[role]:g} processes" if role in counts else ""
        lines.append(f"  {role:<44} {seconds:>8.3f}  {processes}")
    return lines


def render_services(results: dict[str, Any]) -> str:
    """``--only services``: the machine, the services phase, its target and warnings."""
    return "\n".join([header_line(results), *services_lines(results), *tail_lines(results)])


def services_lines(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    row = "{:<44} {:>9} {:>9} {:>8} {:>8}"
    for challenge, modes in results.get("services", {}).items():
        lines += ["", f"== services: {challenge} graded in-process, cold and warm (seconds)"]
        lines.append(row.format("", "median", "p95", "", ""))
        for mode in ("cold", "warm"):
            entry = modes[mode]
            for label, key in (
                ("grading (wall)", "wall"),
                ("  the suite's own run", "suite"),
                ("  services start on the critical path", "services_start_on_path"),
                ("  overhead above the suite's run", "overhead_vs_own_suite_run"),
            ):
                stats = entry[key]
                lines.append(
                    row.format(
                        f"{mode}: {label}",
                        f"{stats['median_s']:.3f}",
                        f"{stats['p95_s']:.3f}",
                        "",
                        "",
                    )
                )
    return lines


def tail_lines(results: dict[str, Any]) -> list[str]:
    lines = ["", "== targets (reported, not asserted)"]
    for target in results["targets"]:
        lines.append(
            f"  [{'met' if target['met'] else 'MISSED'}] {target['target']}: {target['value']}"
        )
    for warning in results["warnings"]:
        lines.append(f"warning: {warning}")
    return lines
