"""The services the soak restarts under the workers: a Redis server and a Docker engine.

By default both are private to the soak (Redis on port 6390, a second dockerd
on a socket under the soak's root), so that restarting them disturbs nothing
else on this machine; ``private=False`` uses (and restarts) the machine's own,
started as scripts/engine.sh does. The engine also lists what the grader
left in it (containers, networks) and takes the images the gradings need.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from grader.engine import LABEL, OWNER_LABEL
from grader.engine.networks import BRIDGE_PREFIX
from scripts.soak.common import PROJECT, run, say, succeeds
from tests.support.processes import alive
from tests.support.services import wait_for

SOAK_REDIS_PORT = 6390
# The private dockerd runs with --iptables=false (two daemons must not both rewrite the
# host's firewall), so nothing lets a sandbox reach its services across their network:
# with br_netfilter, bridged frames go through FORWARD, whose policy the machine's own
# dockerd sets to DROP. This rule accepts what a grading's bridge carries between its own
# ports (what a dockerd allows on a network with icc), never from one bridge to another.
WITHIN_A_GRADING_BRIDGE = [
    "FORWARD", "-i", f"{BRIDGE_PREFIX}+", "-o", f"{BRIDGE_PREFIX}+",
    "-m", "physdev", "--physdev-is-bridged", "-j", "ACCEPT",
]  # fmt: skip


@dataclass
class Redis:
    port: int
    folder: Path
    private: bool

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/{0 if self.private else 14}"

    def cli(self, *args: str) -> list[str]:
        return ["redis-cli", "-p", str(self.port), *args]

    def start(self) -> None:
        if succeeds(self.cli("ping")):
            return
        if not self.private:
            run(["bash", "scripts/engine.sh", "--redis"], cwd=PROJECT)
            return
        run([
            "redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--daemonize", "yes",
            "--logfile", str(self.folder / "redis.log"), "--dir", str(self.folder),
            "--save", "", "--appendonly", "no",
        ])  # fmt: skip
        wait_for("Redis answering", lambda: succeeds(self.cli("ping")), 90, 0.5)

    def restart(self, down_s: float) -> None:
        say(f"Redis: shutdown nosave (down for {down_s:.0f}s)")
        subprocess.run(self.cli("shutdown", "nosave"), capture_output=True, check=False)
        wait_for("Redis stopping", lambda: not succeeds(self.cli("ping")), 90, 0.5)
        time.sleep(down_s)
        self.start()
        say("Redis: started again")

    def flush(self) -> None:
        run(self.cli("-n", self.url.rsplit("/", 1)[1], "flushdb"))

    def stop(self) -> None:
        if self.private:
            subprocess.run(self.cli("shutdown", "nosave"), capture_output=True, check=False)


@dataclass
class Docker:
    folder: Path
    private: bool
    process: subprocess.Popen[bytes] | None = None
    forwarding: bool = False  # WITHIN_A_GRADING_BRIDGE added by this run, removed at the end

    @property
    def host(self) -> str:
        return f"unix://{self.folder / 'docker.sock'}" if self.private else _default_docker_host()

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host}

    def answers(self) -> bool:
        return succeeds(["docker", "info"], env=self.env)

    def dockerd(self) -> list[str]:
        if not self.private:
            return ["dockerd"]
        f = self.folder
        return [
            "dockerd", "--host", self.host, "--data-root", str(f / "data"),
            "--exec-root", str(f / "exec"), "--pidfile", str(f / "docker.pid"),
            "--bridge", "none", "--iptables=false", "--ip6tables=false",
        ]  # fmt: skip

    def pidfile(self) -> Path:
        return self.folder / "docker.pid" if self.private else Path("/var/run/docker.pid")

    def start(self) -> None:
        if self.answers():
            return
        if not self.private:
            run(["bash", "scripts/engine.sh"], cwd=PROJECT)
            return
        pidfile = self.pidfile()  # a dockerd killed earlier leaves a pid file behind
        if pidfile.exists() and not alive(int(pidfile.read_text().strip() or 0)):
            pidfile.unlink()
        self.allow_forwarding()
        log = (self.folder / "dockerd.log").open("ab")
        self.process = subprocess.Popen(
            self.dockerd(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        wait_for("the Docker engine answering", self.answers, 90, 0.5)

    def restart(self, down_s: float) -> None:
        pid = int(self.pidfile().read_text().strip())
        say(f"Docker engine: kill {pid} (dockerd), down for {down_s:.0f}s at least")
        os.kill(pid, signal.SIGTERM)
        wait_for("dockerd exiting", lambda: not alive(pid), 60, 0.5)
        if self.process is not None:
            self.process.wait(timeout=10)
        time.sleep(down_s)
        self.start()
        say("Docker engine: started again")

    def stop(self) -> None:
        """Stop the private engine (the machine's own is left running)."""
        pidfile = self.pidfile()
        if self.private and pidfile.exists():
            pid = int(pidfile.read_text().strip() or 0)
            if alive(pid):
                os.kill(pid, signal.SIGTERM)
                wait_for("dockerd exiting", lambda: not alive(pid), 60, 0.5)
            if self.process is not None:
                self.process.wait(timeout=10)
        if self.forwarding:
            subprocess.run(["iptables", "-D", *WITHIN_A_GRADING_BRIDGE], check=False)
            self.forwarding = False

    def allow_forwarding(self) -> None:
        """Let sandboxes reach their services on the private engine (WITHIN_A_GRADING_BRIDGE)."""
        if not succeeds(["iptables", "-C", *WITHIN_A_GRADING_BRIDGE]):
            run(["iptables", "-I", *WITHIN_A_GRADING_BRIDGE])
            self.forwarding = True

    def containers_left(self) -> list[str]:
        """The grader's containers in this engine: sandboxes (``LABEL``) and sidecar services
        (grader.purpose=service, which carry ``LABEL`` too: both filters, in case one did not)."""
        template = '{{.ID}} {{.Label "grader.purpose"}} {{.Names}} {{.Status}} {{.Labels}}'
        return self._listed("ps", [LABEL, "grader.purpose=service"], template)

    def networks_left(self) -> list[str]:
        """The grader's networks in this engine (the private one of a grading with services)."""
        template = '{{.ID}} {{.Name}} {{.Label "grader.purpose"}} {{.Labels}}'
        return self._listed("network", [LABEL, OWNER_LABEL], template)

    def _listed(self, what: str, labels: list[str], template: str) -> list[str]:
        """Lines of ``docker ps -a`` / ``docker network ls`` matching any of the labels, once
        each (several --filter label= would have to match all)."""
        command = ["docker", "ps", "-a"] if what == "ps" else ["docker", "network", "ls"]
        lines: dict[str, str] = {}
        for wanted in labels:
            done = run(
                [*command, "--filter", f"label={wanted}", "--format", template], env=self.env
            )
            for line in done.stdout.splitlines():
                if line.strip():
                    lines.setdefault(line.split()[0], line)
        return list(lines.values())

    def load_images(self, references: list[str]) -> None:
        """Copy into the private engine the images it lacks, with one ``docker save`` (layers
        the images share are sent once)."""
        if not self.private:
            return
        missing = [r for r in references if not self.has_image(r)]
        if not missing:
            return
        say(f"copying {', '.join(missing)} into the soak's Docker engine")
        save = subprocess.Popen(["docker", "save", *missing], stdout=subprocess.PIPE)
        subprocess.run(["docker", "load", "-q"], stdin=save.stdout, env=self.env, check=True)
        if save.wait() != 0:
            raise SystemExit(f"[soak] docker save {' '.join(missing)} failed: run `make images`")

    def has_image(self, reference: str) -> bool:
        return succeeds(["docker", "image", "inspect", reference], env=self.env)


def _default_docker_host() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
