"""What sandbox tests share: a working tree as the sandbox receives it, and a suite that
probes the sandbox's walls from inside (each of its tests passes only if a wall holds)."""

from __future__ import annotations

import io
import tarfile


def tree(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


ISOLATION_TESTS = """
import os, socket, pathlib

def test_not_root():
    assert os.getuid() != 0 and os.geteuid() != 0

def test_no_network():
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("1.1.1.1", 53))
    except OSError:
        return
    raise AssertionError("network reachable")

def test_only_loopback_interface():
    assert sorted(os.listdir("/sys/class/net")) == ["lo"]

def test_shadow_unreadable():
    try:
        open("/etc/shadow").read()
    except PermissionError:
        return
    raise AssertionError("read /etc/shadow")

def test_root_filesystem_read_only():
    try:
        open("/usr/evil", "w")
    except OSError:
        return
    raise AssertionError("wrote to /usr")

def test_hidden_read_only():
    try:
        open("hidden/test_probe.py", "a").write("x")
    except OSError:
        return
    raise AssertionError("wrote into hidden/")

def test_work_and_tmp_writable():
    pathlib.Path("out.txt").write_text("ok")
    pathlib.Path(os.environ["TMPDIR"], "t.txt").write_text("ok")

def test_no_secrets_in_environment():
    assert not [k for k in os.environ if "PROXY" in k.upper() or k.startswith("GRADER")]

def test_submission_on_import_path():
    import solution
    assert solution.VALUE == 42

def test_cannot_signal_pid_1():
    for sig in (9, 19):  # refused (PID 1 is another uid) or ignored (it has no handler)
        try:
            os.kill(1, sig)
        except PermissionError:
            pass

def test_cannot_read_pid_1_memory():
    for path, mode in (("/proc/1/mem", "rb"), ("/proc/1/fd/1", "rb"), ("/proc/1/fd/1", "wb")):
        try:
            open(path, mode).read(1) if mode == "rb" else open(path, mode).write(b"x")
        except OSError:
            continue
        raise AssertionError(f"opened {path} ({mode})")

def test_pid_1_environment_holds_nothing():
    try:
        environ = open("/proc/1/environ", "rb").read()
    except OSError:
        return
    assert b"GRADER" not in environ and b"PROXY" not in environ.upper()
"""
