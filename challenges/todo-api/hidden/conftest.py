import pytest
from fastapi.testclient import TestClient

from todo_api.app import create_app


@pytest.fixture
def db_path(tmp_path):
    # The app (the candidate's process) and these tests both write to this file, so it is
    # made here, writable by both, before the app opens it.
    path = tmp_path / "todos.db"
    path.touch()
    path.chmod(0o666)
    return path


@pytest.fixture
def client(db_path):
    with TestClient(create_app(db_path)) as c:
        yield c


@pytest.fixture
def make(client):
    def _make(title, **fields):
        r = client.post("/todos", json={"title": title, **fields})
        assert r.status_code == 201, r.text
        return r.json()

    return _make
