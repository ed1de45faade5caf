"""Attack: reach the network: the internet, the Docker host, its API, DNS.

What each try gave is reported through the tests' failure messages (PROBES ...).
"""

import json
import socket

PROBES = {}


def _connect(host, port):
    with socket.create_connection((host, port), timeout=2):
        return "connected"


def _try(name, action):
    try:
        PROBES[name] = str(action())
    except Exception as exc:  # noqa: BLE001 - every failure is the point
        PROBES[name] = type(exc).__name__


def _gateway():
    with open("/proc/net/route") as handle:
        for line in handle.read().splitlines()[1:]:
            fields = line.split()
            if fields[1] == "00000000":
                return socket.inet_ntoa(bytes.fromhex(fields[2])[::-1])
    return "172.17.0.1"


def _unix(path):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(2)
        sock.connect(path)
        return "connected"


def _interfaces():
    return sorted(name for _, name in socket.if_nameindex())


_try("interfaces", _interfaces)
_try("cloudflare_53", lambda: _connect("1.1.1.1", 53))
_try("cloudflare_443", lambda: _connect("1.1.1.1", 443))
_try("gateway_docker_api", lambda: _connect(_gateway(), 2375))
_try("bridge_docker_api", lambda: _connect("172.17.0.1", 2375))
_try("bridge_ssh", lambda: _connect("172.17.0.1", 22))
_try("metadata", lambda: _connect("169.254.169.254", 80))
_try("dns", lambda: socket.gethostbyname("example.com"))
_try("docker_sock", lambda: _unix("/var/run/docker.sock"))
_try("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("1.1.1.1", 53)))


def count_words(text):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))


def top_words(text, n):
    raise RuntimeError("PROBES " + json.dumps(PROBES, sort_keys=True))
