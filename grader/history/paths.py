"""What a path in a submission is: code, a test, a lock file, or something never to commit."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Final

LARGE_FILE_BYTES: Final = 1 << 20

CODE_SUFFIXES: Final = frozenset(
    {
        ".py",
        ".pyi",
        ".js",
        ".jsx",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".rb",
        ".php",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".hpp",
        ".cs",
        ".swift",
        ".scala",
        ".sh",
    }
)
TEST_FOLDERS: Final = frozenset({"test", "tests", "__tests__", "spec", "specs", "testing"})
LOCK_FILES: Final = frozenset(
    {
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "uv.lock",
        "Pipfile.lock",
        "Cargo.lock",
        "go.sum",
        "composer.lock",
        "Gemfile.lock",
    }
)
# Binary files that belong in a repository: pictures and fonts for documentation.
ASSET_SUFFIXES: Final = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".svg",
        ".ico",
        ".webp",
        ".pdf",
        ".woff",
        ".woff2",
        ".ttf",
    }
)
BINARY_SUFFIXES: Final = frozenset(
    {
        ".exe",
        ".dll",
        ".so",
        ".dylib",
        ".o",
        ".a",
        ".obj",
        ".class",
        ".jar",
        ".whl",
        ".pyd",
        ".zip",
        ".tar",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".7z",
        ".rar",
        ".bin",
        ".pkl",
        ".sqlite",
        ".db",
    }
)
_ENV_TEMPLATES: Final = frozenset({"example", "sample", "template", "dist", "defaults"})
_TOOL_CACHES: Final = frozenset(
    {
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        "htmlcov",
        ".coverage",
    }
)


def _is_virtualenv(parts: tuple[str, ...]) -> bool:
    # Any folder name can hold a virtualenv: its marker files give it away.
    return (
        bool({"venv", ".venv", "site-packages"} & set(parts))
        or parts[-1] == "pyvenv.cfg"
        or parts[-2:] in (("bin", "activate"), ("Scripts", "activate"))
    )


def _is_build_output(parts: tuple[str, ...]) -> bool:
    return (
        (parts[0] in ("dist", "build") and len(parts) > 1)
        or any(p.endswith(".egg-info") for p in parts)
        or bool(_TOOL_CACHES & set(parts))
    )


def _is_env_file(parts: tuple[str, ...]) -> bool:
    name = parts[-1]
    return name == ".env" or (
        name.startswith(".env.") and name.rsplit(".", 1)[-1] not in _ENV_TEMPLATES
    )


# Checked in order, first match wins: a virtualenv is full of bytecode, and
# reporting it once, as a virtualenv, is the useful message.
PATH_CATEGORIES: Final[tuple[tuple[str, Callable[[tuple[str, ...]], bool]], ...]] = (
    ("hygiene.committed-virtualenv", _is_virtualenv),
    ("hygiene.committed-node-modules", lambda parts: "node_modules" in parts),
    (
        "hygiene.committed-bytecode",
        lambda parts: "__pycache__" in parts or parts[-1].endswith((".pyc", ".pyo")),
    ),
    ("hygiene.committed-build-output", _is_build_output),
    ("hygiene.committed-env-file", _is_env_file),
    (
        "hygiene.committed-os-junk",
        lambda parts: parts[-1] in (".DS_Store", "Thumbs.db", "desktop.ini"),
    ),
)


@lru_cache(maxsize=8192)  # asked of the same paths once per commit that touches them
def path_category(path: str) -> str | None:
    """The hygiene rule a path breaks by its name alone, if any."""
    parts = tuple(path.split("/"))
    for rule, matches in PATH_CATEGORIES:
        if matches(parts):
            return rule
    return None


def content_category(path: str, *, binary: bool, size: int | None) -> str | None:
    """The hygiene rule a file breaks by its size or kind, once its name is fine."""
    if size is not None and size > LARGE_FILE_BYTES:
        return "hygiene.large-file"
    suffix = _suffix(path)
    if suffix in BINARY_SUFFIXES or (binary and suffix not in ASSET_SUFFIXES):
        return "hygiene.committed-binary"
    return None


@lru_cache(maxsize=8192)
def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    stem = name.split(".", 1)[0]
    return (
        bool(TEST_FOLDERS & set(parts[:-1]))
        or name == "conftest.py"
        or stem.startswith("test_")
        or stem.endswith(("_test", "Test", "Tests"))
        or ".test." in name
        or ".spec." in name
    )


def is_code_path(path: str) -> bool:
    return _suffix(path) in CODE_SUFFIXES


def is_lock_file(path: str) -> bool:
    return path.rpartition("/")[2] in LOCK_FILES


def _suffix(path: str) -> str:
    name = path.rpartition("/")[2]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""
