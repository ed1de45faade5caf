"""The only package that talks to Docker.

Every call has a timeout; every docker or requests error becomes an
InfrastructureError here, so no foreign exception escapes. Containers are
labelled ``grader.sandbox`` so that stale ones can be found and removed.

- ``client``: ``Engine``, the grader's few needs of the Docker SDK;
- ``specs``: what a container is (``ContainerSpec``) and its hardened arguments;
- ``owners``: the labels, whose a container is, and when it is left behind;
- ``networks``: the firewall rule that keeps gradings' networks off the host;
- ``streams``: the attach stream, read with a bounded memory.
"""

from grader.engine.client import Engine, docker_errors
from grader.engine.networks import BRIDGE_PREFIX, block_host_from_bridges
from grader.engine.owners import ABANDONED_AFTER_S, LABEL, OWNER_LABEL, owner, owner_is_dead
from grader.engine.specs import ContainerRun, ContainerSpec

__all__ = [
    "ABANDONED_AFTER_S",
    "BRIDGE_PREFIX",
    "LABEL",
    "OWNER_LABEL",
    "ContainerRun",
    "ContainerSpec",
    "Engine",
    "block_host_from_bridges",
    "docker_errors",
    "owner",
    "owner_is_dead",
]
