"""A trusted probe suite, run inside a sandbox as its hidden/.

See test_attacks_walls.py::test_sandbox_walls_seen_from_inside.

Not collected on the host (its name does not start with test_); every test here
must pass inside the sandbox.
"""

import ctypes
import os
import resource
import signal
import socket

import pytest


def _read(path, size=-1):
    with open(path, "rb") as handle:
        return handle.read(size)


def _text(path):
    return _read(path).decode()


def _connect(host, port):
    with socket.create_connection((host, port), timeout=2):
        pass


def test_runs_as_an_unprivileged_user():
    assert os.getuid() == 10001
    assert os.geteuid() == 10001
    assert os.getgid() == 10001
    assert 0 not in os.getgroups()


def test_has_no_capabilities_and_no_new_privileges():
    status = dict(
        line.split(":", 1) for line in _text("/proc/self/status").splitlines() if ":" in line
    )
    for field in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        assert int(status[field].strip(), 16) == 0, field
    # The bounding set keeps only what PID 1 needs (KILL, SETGID, SETUID); with no
    # permitted capabilities and no-new-privileges, no process here can regain them.
    assert int(status["CapBnd"].strip(), 16) & ~0xE0 == 0, status["CapBnd"]
    assert status["NoNewPrivs"].strip() == "1"
    assert status["Seccomp"].strip() in {"1", "2"}


def test_cannot_become_root():
    with pytest.raises(PermissionError):
        os.setuid(0)
    with pytest.raises(PermissionError):
        os.setgid(0)


def test_secrets_are_unreadable():
    for path in ("/etc/shadow", "/proc/1/environ", "/proc/1/mem", "/root"):
        with pytest.raises(PermissionError):
            if os.path.isdir(path):
                os.listdir(path)
            else:
                _read(path, 1)


def test_network_is_unreachable():
    assert sorted(name for _, name in socket.if_nameindex()) == ["lo"]
    for host, port in (("1.1.1.1", 53), ("172.17.0.1", 2375), ("169.254.169.254", 80)):
        with pytest.raises(OSError):
            _connect(host, port)
    with pytest.raises(OSError):
        socket.gethostbyname("example.com")


def test_no_docker_socket():
    for path in ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"):
        assert not os.path.exists(path)


def test_root_filesystem_and_hidden_are_read_only():
    for path in ("/opt/venv/evil", "/etc/evil", "/usr/evil", "/work/hidden/evil"):
        with pytest.raises(OSError), open(path, "w"):
            pass


def test_work_and_tmp_are_small_tmpfs():
    mounts = {}
    for line in _text("/proc/self/mounts").splitlines():
        _device, point, kind, options = line.split()[:4]
        mounts[point] = (kind, options)
    for point in ("/work", "/tmp"):
        assert mounts[point][0] == "tmpfs"
        stat = os.statvfs(point)
        assert stat.f_blocks * stat.f_frsize <= 512 << 20
    assert mounts["/"][1].split(",")[0] == "ro"


def test_limits_are_set():
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[1] <= 1024
    assert resource.getrlimit(resource.RLIMIT_FSIZE)[1] <= 64 << 20


def test_pid1_is_protected():
    for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, 0):
        with pytest.raises(PermissionError):  # PID 1 runs as root: another uid
            os.kill(1, sig)
    state = _text("/proc/1/stat").rsplit(")", 1)[1].split()[0]
    assert state in {"S", "R"}
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.ptrace(16, 1, 0, 0) == -1  # PTRACE_ATTACH


def test_environment_is_the_supervisors_only():
    assert not [k for k in os.environ if k.startswith(("GRADER_", "DOCKER_", "GIT_"))]
    assert os.environ.get("HOME") == "/tmp"


def test_cannot_mount():
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == -1
    assert libc.unshare(0x10000000) == -1  # CLONE_NEWUSER: no user namespaces
