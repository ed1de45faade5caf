"""What a path or a file's content is: code, a test, or something never to commit."""

from __future__ import annotations

import pytest

from grader.history.paths import content_category, is_test_path, path_category


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("venv/lib/python3.11/site-packages/x.py", "hygiene.committed-virtualenv"),
        ("myenv/pyvenv.cfg", "hygiene.committed-virtualenv"),
        ("web/node_modules/a/index.js", "hygiene.committed-node-modules"),
        ("pkg/__pycache__/m.cpython-311.pyc", "hygiene.committed-bytecode"),
        ("dist/wordfreq-0.1.tar.gz", "hygiene.committed-build-output"),
        ("wordfreq.egg-info/PKG-INFO", "hygiene.committed-build-output"),
        (".env", "hygiene.committed-env-file"),
        ("config/.env.local", "hygiene.committed-env-file"),
        (".env.example", None),
        ("src/build.py", None),
        ("tests/test_env.py", None),
    ],
)
def test_path_categories(path: str, rule: str | None) -> None:
    assert path_category(path) == rule


def test_content_categories() -> None:
    assert content_category("data.csv", binary=False, size=2 << 20) == "hygiene.large-file"
    assert content_category("tool.exe", binary=True, size=10) == "hygiene.committed-binary"
    assert content_category("docs/diagram.png", binary=True, size=10) is None


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_a.py",
        "test_a.py",
        "a_test.go",
        "src/a.test.ts",
        "conftest.py",
        "src/FooTest.java",
    ],
)
def test_test_paths(path: str) -> None:
    assert is_test_path(path)
