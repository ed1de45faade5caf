"""The trusted process's imports in an isolated grading: the submission arrives as proxies.

``install`` (called by launch_pytest.py before pytest loads a test module) puts two
finders first on ``sys.meta_path``: ``ProxyFinder`` serves the submission's top-level
modules as ``ProxyModule``s backed by the candidate process (grader_isolation.py), and
``SubmissionGuard`` refuses any other file of the submission, so none is ever executed
here. It also forwards ``monkeypatch`` of the standard library and installed packages
to the candidate process, and ``IsolationPlugin`` shares ``tmp_path`` with it.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import types
from typing import Any

import grader_wire as wire
import pytest
from _pytest.monkeypatch import MonkeyPatch, derive_importpath
from grader_isolation import HIDDEN, WORKDIR, CandidateLink, RemoteClassMeta, notset

# --------------------------------------------------------------------------- modules and imports


class ProxyModule(types.ModuleType):
    """A module of the submission as the hidden tests see it. Its ``__dict__`` holds the
    module's names as they were at import (for ``vars()``); setting a name sets it there."""

    def __getattr__(self, name: str) -> Any:
        __tracebackhide__ = True
        if name.startswith("__"):
            raise AttributeError(name)
        handle = self.__dict__.get("_g_module")
        if handle is None:
            raise AttributeError(name)
        value = getattr(handle, name)
        _remember_path(value, [self.__name__, name])
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        __tracebackhide__ = True
        handle = self.__dict__.get("_g_module")
        # importlib sets a submodule as an attribute of its package: the candidate's
        # package already has the real one, so only the tests' own assignments go there
        if (
            handle is not None
            and not name.startswith("__")
            and not name.startswith("_g_")
            and not isinstance(value, ProxyModule)
        ):
            setattr(handle, name, value)
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        __tracebackhide__ = True
        handle = self.__dict__.get("_g_module")
        if handle is not None and not name.startswith("__"):
            delattr(handle, name)
        super().__delattr__(name)


def _remember_path(value: Any, path: list[str]) -> None:
    if isinstance(value, wire.Proxy) and "path" not in value._g_info:
        value._g_info["path"] = path
    elif isinstance(value, RemoteClassMeta) and "path" not in value._g_handle._g_info:
        value._g_handle._g_info["path"] = path


class ProxyFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``import`` of the submission's modules as ProxyModules."""

    def __init__(self, link: CandidateLink) -> None:
        self.link = link

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.split(".", 1)[0] not in self.link.names:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: Any) -> types.ModuleType:
        try:
            answer = self.link.connection().request("import", name=spec.name)
        except (KeyboardInterrupt, GeneratorExit, SystemExit) as exc:
            # an import that exits is a broken import, never the end of this process
            raise ImportError(
                f"importing {spec.name} ended the candidate's code: {exc!r}"
            ) from None
        module = ProxyModule(spec.name)
        object.__setattr__(module, "__file__", answer.get("file"))
        if answer.get("package"):
            object.__setattr__(module, "__path__", [])
        for name, value in (answer.get("names") or {}).items():
            _remember_path(value, [spec.name, name])
            module.__dict__[name] = value
        module.__dict__["_g_module"] = answer["module"]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class SubmissionGuard(importlib.abc.MetaPathFinder):
    """Keeps every file of the submission out of this process's imports.

    ProxyFinder serves the submission's top-level names; this catches the other ways a
    file under /work could be imported here: pytest puts a test's base folder on
    sys.path (/work itself, when hidden/ is a package), where a ``json.py`` of the
    submission would shadow the standard library, or a test adds a path. Such a name is
    looked up again without the submission's folders; if only the submission has it, the
    import fails."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not _is_submission_file(spec):
            return None  # found outside the submission: the usual finders import it
        if path is None:
            trusted = [p for p in sys.path if not _in_submission(str(p))]
            spec = importlib.machinery.PathFinder.find_spec(fullname, trusted)
            if spec is not None and not _is_submission_file(spec):
                return spec
        raise ImportError(
            f"{fullname} is the submission's code, which never runs in the process that "
            "decides the tests' outcomes"
        )


def _is_submission_file(spec: Any) -> bool:
    places = [spec.origin or "", *(spec.submodule_search_locations or [])]
    return any(_in_submission(str(place)) for place in places if place)


def _in_submission(place: str) -> bool:
    normal = os.path.normpath(os.path.join(os.getcwd(), place))  # "" is the cwd
    inside = normal == WORKDIR or normal.startswith(WORKDIR + "/")
    return inside and not (normal == HIDDEN or normal.startswith(HIDDEN + "/"))


def submission_names(root: str = WORKDIR) -> frozenset[str]:
    """The submission's top-level modules and packages, less any name that this process
    can import itself (stdlib, site-packages): a submission cannot shadow those here."""
    names = set()
    for entry in os.listdir(root):
        full = os.path.join(root, entry)
        if entry == "hidden" or entry.startswith("."):
            continue
        if entry.endswith(".py") and os.path.isfile(full):
            names.add(entry[:-3])
        elif os.path.isdir(full) and entry.isidentifier():
            names.add(entry)
    trusted_paths = [p for p in sys.path if p and not p.startswith(WORKDIR)]
    return frozenset(
        n
        for n in names
        if n not in sys.stdlib_module_names
        and importlib.machinery.PathFinder.find_spec(n, trusted_paths) is None
    )


def install(control_fd: int) -> CandidateLink:
    """Put the proxy importer in place; called once, before any test module is imported."""
    link = CandidateLink(control_fd, submission_names())
    sys.meta_path[0:0] = [ProxyFinder(link), SubmissionGuard()]
    _forward_monkeypatch(link)
    return link


def _forward_monkeypatch(link: CandidateLink) -> None:
    """``monkeypatch.setattr(hashlib, "scrypt", spy)`` also patches the candidate's hashlib
    (the spy runs here when their code calls it), and ``undo`` restores both."""
    original_setattr, original_delattr, original_undo = (
        MonkeyPatch.setattr,
        MonkeyPatch.delattr,
        MonkeyPatch.undo,
    )

    def setattr_(
        self: Any, target: Any, name: Any = notset, value: Any = notset, raising: bool = True
    ) -> None:
        original_setattr(self, target, name, value, raising=raising)
        if isinstance(target, str):
            name, target = derive_importpath(target, raising)
        if not isinstance(target, ProxyModule) and isinstance(name, str):
            self.__dict__.setdefault("_g_forwarded", []).append((target, name))
            link.forward_patch(target, name)

    def delattr_(self: Any, target: Any, name: Any = notset, raising: bool = True) -> None:
        original_delattr(self, target, name, raising=raising)
        if isinstance(target, str):
            name, target = derive_importpath(target, raising)
        if not isinstance(target, ProxyModule) and isinstance(name, str):
            self.__dict__.setdefault("_g_forwarded", []).append((target, name))
            link.forward_patch(target, name)

    def undo(self: Any) -> None:
        original_undo(self)
        for target, name in reversed(self.__dict__.pop("_g_forwarded", [])):
            link.forward_patch(target, name)

    MonkeyPatch.setattr = setattr_  # type: ignore[method-assign]
    MonkeyPatch.delattr = delattr_  # type: ignore[method-assign]
    MonkeyPatch.undo = undo  # type: ignore[method-assign]


class IsolationPlugin:
    """What the tests' fixtures need to share files with the candidate process."""

    @pytest.fixture
    def tmp_path(self, tmp_path: Any) -> Any:
        """pytest makes its temporary folders private (0700) to this uid; the candidate's
        code must reach them to read and write the files a test gives it. Sticky, so
        neither side can delete or replace the other's files."""
        os.chmod(tmp_path, 0o1777)
        parent = tmp_path.parent
        while str(parent).startswith(("/tmp/", "/var/tmp/")) and str(parent) != "/tmp":
            with contextlib.suppress(OSError):
                os.chmod(parent, 0o711)
            parent = parent.parent
        return tmp_path
