"""Storage: the data lives in the SQLite file given to create_app."""

import sqlite3

import pytest
from fastapi.testclient import TestClient

from todo_api.app import create_app


def test_data_survives_a_new_app_on_the_same_file(db_path):
    with TestClient(create_app(db_path)) as c:
        kept = c.post("/todos", json={"title": "Keep me", "due_date": "2030-01-02"}).json()
        gone = c.post("/todos", json={"title": "Delete me"}).json()
        assert c.patch(f"/todos/{kept['id']}", json={"done": True}).status_code == 200
        assert c.delete(f"/todos/{gone['id']}").status_code == 204
    with TestClient(create_app(db_path)) as c:
        page = c.get("/todos").json()
        assert page["total"] == 1
        assert page["items"] == [{**kept, "done": True}]
        assert c.get(f"/todos/{gone['id']}").status_code == 404


def test_schema_has_the_documented_table_and_encodings(client, db_path):
    client.post("/todos", json={"title": "Encoded", "done": True, "due_date": "2024-07-04"})
    conn = sqlite3.connect(db_path)
    try:
        cols = {row[1] for row in conn.execute("PRAGMA table_info(todos)")}
        assert {"id", "title", "description", "done", "due_date", "created_at"} <= cols
        row = conn.execute("SELECT title, done, due_date FROM todos").fetchone()
    finally:
        conn.close()
    assert row == ("Encoded", 1, "2024-07-04")


def test_rows_written_by_another_program_are_served(client, db_path):
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO todos (title, description, done, due_date, created_at) "
            "VALUES ('From cron', 'batch', 1, '2024-01-15', '2024-01-01T00:00:00Z')"
        )
        new_id = conn.execute("SELECT id FROM todos WHERE title = 'From cron'").fetchone()[0]
    conn.close()
    r = client.get(f"/todos/{new_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["title"] == "From cron" and body["done"] is True
    assert body["due_date"] == "2024-01-15" and body["description"] == "batch"
    assert client.get("/todos", params={"done": "true"}).json()["total"] == 1
    assert client.post("/todos", json={"title": "FROM CRON"}).status_code == 409


def test_case_insensitive_uniqueness_is_enforced_by_the_schema(client, db_path):
    client.post("/todos", json={"title": "Pay rent"})
    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            with conn:
                conn.execute(
                    "INSERT INTO todos (title, done, created_at) "
                    "VALUES ('PAY RENT', 0, '2024-01-01T00:00:00Z')"
                )
    finally:
        conn.close()


def test_failed_requests_write_nothing(client, db_path):
    client.post("/todos", json={"title": "Only one"})
    client.post("/todos", json={"title": "only ONE"})
    client.post("/todos", json={"title": ""})
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT count(*) FROM todos").fetchone()[0] == 1
    finally:
        conn.close()


def test_two_apps_on_two_files_are_independent(tmp_path):
    with (
        TestClient(create_app(tmp_path / "a.db")) as a,
        TestClient(create_app(tmp_path / "b.db")) as b,
    ):
        a.post("/todos", json={"title": "Only in A"})
        assert b.get("/todos").json()["total"] == 0
        assert b.post("/todos", json={"title": "Only in A"}).status_code == 201
        assert a.get("/todos").json()["total"] == 1


def test_path_defaults_to_the_environment_variable(tmp_path, monkeypatch):
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("TODO_DB_PATH", str(target))
    with TestClient(create_app()) as c:
        assert c.post("/todos", json={"title": "Env"}).status_code == 201
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("SELECT title FROM todos").fetchall() == [("Env",)]
    finally:
        conn.close()
