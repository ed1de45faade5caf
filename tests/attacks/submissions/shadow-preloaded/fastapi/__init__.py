"""Attack: shadow a package the pre-started processes preloaded (todo-api preloads fastapi).

If the trusted test process ever imported this folder instead of the installed fastapi, its
``fastapi.testclient.TestClient`` (testclient.py here) would answer every request with a
response equal to anything. In the candidate process, it probes what it runs with: the first
candidate process (the pre-started one) writes its view to /tmp and exits; the next one
(started after the tree arrived, as without pre-starting) compares and fails every test
with the differences (PROBES ...).
"""

import json
import os
import resource
import sys

MARK = "/tmp/.prestart-probe.json"


def _fds():
    found = {}
    for fd in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            found[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            found[fd] = "?"
    return {k: ("socket" if v.startswith("socket:") else "pipe" if v.startswith("pipe:") else v)
            for k, v in found.items()}


def _status(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].strip()
    return None


def view():
    umask = os.umask(0)
    os.umask(umask)
    mods = sys.modules
    return {
        "uid": os.getresuid(), "gid": os.getresgid(), "groups": os.getgroups(),
        "umask": umask, "cwd": os.getcwd(), "env": dict(os.environ), "fds": _fds(),
        "rlimits": {n: resource.getrlimit(getattr(resource, n)) for n in dir(resource)
                    if n.startswith("RLIMIT_")},
        "path": list(sys.path), "caps": _status("CapEff"), "nnp": _status("NoNewPrivs"),
        "seccomp": _status("Seccomp"), "pgid_is_pid": os.getpgid(0) == os.getpid(),
        "sid_is_pid": os.getsid(0) == os.getpid(), "nice": os.nice(0),
        "dumpable": _status("TracerPid"),
        "fastapi": getattr(mods.get("fastapi"), "__file__", None),
        "pydantic": getattr(mods.get("pydantic"), "__file__", None),
        "starlette": getattr(mods.get("starlette"), "__file__", None),
        "site_packages_modules": sorted(
            n for n, m in list(mods.items())
            if "site-packages" in (getattr(m, "__file__", None) or "")
        )[:40],
        "sitecustomize": getattr(mods.get("sitecustomize"), "__file__", None),
        "usercustomize": getattr(mods.get("usercustomize"), "__file__", None),
        "pth_ran": os.environ.get("PTH_RAN"),
        "trusted_imported_fake": os.path.exists("/tmp/.trusted-imported-fake"),
    }


class FastAPI:
    def __init__(self, *args, **kwargs):
        mine = view()
        if not os.path.exists(MARK):
            with open(MARK, "w") as out:
                json.dump(mine, out)
            os._exit(3)  # the next test gets a candidate process started the usual way
        with open(MARK) as saved:
            first = json.load(saved)
        mine = json.loads(json.dumps(mine))
        diff = {k: [first.get(k), mine.get(k)] for k in mine if first.get(k) != mine.get(k)}
        raise RuntimeError("PROBES " + json.dumps({"first": first, "diff": diff}))


class HTTPException(Exception):
    pass
