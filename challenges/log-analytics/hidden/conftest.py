import sys
from pathlib import Path

import pytest

sys.path.insert(1, str(Path(__file__).parent))  # loggen, after the submission's root

from loggen import ENDPOINTS, generate  # noqa: E402


@pytest.fixture(scope="session")
def big_log(tmp_path_factory):
    """80 000 lines, 24 endpoints, ids and query strings, a few malformed lines."""
    path = tmp_path_factory.mktemp("logs") / "big.log"
    generate(path, 80_000, seed=7, malformed_every=997)
    return path


@pytest.fixture(scope="session")
def narrow_log(tmp_path_factory):
    """20 000 lines over 4 endpoints, every latency in [300, 700] ms."""
    path = tmp_path_factory.mktemp("logs") / "narrow.log"
    generate(path, 20_000, seed=11, endpoints=ENDPOINTS[:4], latency_range=(300, 700))
    return path


@pytest.fixture
def write_log(tmp_path):
    def _write(*lines, name="access.log"):
        path = tmp_path / name
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path
    return _write


@pytest.fixture(scope="session")
def wide_log(tmp_path_factory):
    """40 000 lines over 3 000 distinct endpoints."""
    path = tmp_path_factory.mktemp("logs") / "wide.log"
    endpoints = [("GET" if i % 3 else "POST", f"/api/tenants/t{i}/items/{{id}}")
                 for i in range(3000)]
    generate(path, 40_000, seed=5, endpoints=endpoints)
    return path
