"""The host's side of gradings' private networks: one firewall rule that keeps them off it.

A grading with services gets an ``internal`` bridge (``Engine.create_network``)
named under ``BRIDGE_PREFIX``; ``block_host_from_bridges`` drops, on the host,
whatever comes in from such a bridge.
"""

from __future__ import annotations

import subprocess

from grader.errors import InfrastructureError

BRIDGE_PREFIX = "grb-"  # the host interfaces of gradings' networks (iptables: grb-+)
_host_blocked = False


def block_host_from_bridges() -> None:
    """Drop, on the host, every packet that arrives from a grading's bridge (idempotent).

    Without it a sandbox or a service on such a network reaches any host service that
    listens on 0.0.0.0. No rule, no network: a grading with services is refused rather
    than let the host be reached."""
    global _host_blocked
    if _host_blocked:
        return
    rule = ["INPUT", "-i", BRIDGE_PREFIX + "+", "-j", "DROP"]
    try:
        present = subprocess.run(["iptables", "-C", *rule], capture_output=True, timeout=30)
        if present.returncode != 0:
            added = subprocess.run(
                ["iptables", "-I", *rule], capture_output=True, text=True, timeout=30
            )
            if added.returncode != 0:
                raise InfrastructureError(
                    f"cannot keep gradings' networks off the host: {added.stderr.strip()}"
                )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfrastructureError(f"cannot keep gradings' networks off the host: {exc}") from exc
    _host_blocked = True
