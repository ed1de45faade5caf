"""Preloading a challenge's installed packages in the pre-started processes.

A challenge's environment image (grader/images.py) installs its packages from
``/opt/grader/lock.txt``. A pre-started process (supervise_prestart.py) imports
the top-level modules of those distributions before the submission arrives, so
that ``import fastapi`` by the hidden tests or the submission costs nothing on
the grading's critical path. Only modules found in the virtualenv's
site-packages are imported, never a path under /work (which is empty then, and
off sys.path in the test process), nor pytest's or the grader's own modules.
Warnings raised while importing are not shown (nothing of the run sees them).

In the candidate process the submission's folder comes first on sys.path, so a
submission may shadow an installed package there: if one of its top-level names
is a preloaded one, every module the preload added is dropped again
(``forget_if_shadowed``) and the submission's imports find what they would have.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import os
import sys
import warnings

LOCK = "/opt/grader/lock.txt"
WORKDIR = "/work"
NEVER = frozenset({"pytest", "_pytest", "pluggy", "py", "iniconfig", "packaging", "pip"})


def locked_distributions(path: str = LOCK) -> set[str]:
    """The normalised names of the distributions the lock installs (none without a lock)."""
    try:
        with open(path, encoding="utf-8") as lock:
            lines = lock.read().splitlines()
    except OSError:
        return set()
    return {_normal(line.split("==", 1)[0]) for line in lines if "==" in line}


def top_level_modules(distributions: set[str]) -> list[str]:
    """The importable top-level names those distributions provide, sorted."""
    if not distributions:
        return []
    # Imported here: ~15 ms of every pre-started process's start, and most challenges
    # install no package of their own.
    import importlib.metadata

    provided = importlib.metadata.packages_distributions()
    return sorted(
        name
        for name, owners in provided.items()
        if name.isidentifier()
        and name not in NEVER
        and not name.startswith(("_", "grader_"))
        and any(_normal(owner) in distributions for owner in owners)
    )


def preload(path: str = LOCK) -> set[str]:
    """Import the locked distributions' top-level modules found in site-packages; returns
    every module name this added to sys.modules."""
    before = set(sys.modules)
    installed = [
        p for p in sys.path if p.endswith("site-packages") and not p.startswith(WORKDIR + "/")
    ]
    for name in top_level_modules(locked_distributions(path)):
        if importlib.machinery.PathFinder.find_spec(name, installed) is None:
            continue
        with warnings.catch_warnings(), contextlib.suppress(Exception):
            warnings.simplefilter("ignore")
            importlib.import_module(name)
    return set(sys.modules) - before


def forget_if_shadowed(added: set[str], root: str) -> bool:
    """Drop every preloaded module if the submission at ``root`` has a top-level module or
    package of the same name as one of them; True if it did."""
    tops = {name.split(".", 1)[0] for name in added}
    if not tops & _modules_at(root):
        return False
    for name in added:
        sys.modules.pop(name, None)
    importlib.invalidate_caches()
    return True


def _modules_at(root: str) -> set[str]:
    """The top-level names CPython would import from ``root`` ahead of a module found later
    on the path: name.py, name.pyc, an extension module (name.cpython-311-x86_64-linux-gnu.so),
    or a package (a folder with an ``__init__``). A folder without one is a namespace
    portion, which loses to a module found later; a data file (logging.yaml) is no module.
    Since the preload pulls in standard modules too (asyncio, logging, ssl...), a looser
    test would drop everything for a submission's configuration files."""
    try:
        entries = os.listdir(root)
    except OSError:
        return set()
    suffixes = tuple(importlib.machinery.all_suffixes())
    names = set()
    for entry in entries:
        path = os.path.join(root, entry)
        if os.path.isdir(path):
            if any(os.path.isfile(os.path.join(path, "__init__" + s)) for s in suffixes):
                names.add(entry)
        elif entry.endswith(suffixes):
            names.add(entry.split(".", 1)[0])
    return names


def _normal(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")
