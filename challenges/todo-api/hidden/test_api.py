"""The HTTP contract: status codes, validation, headers, pagination."""

from datetime import datetime


def test_create_returns_201_with_location_and_body(client):
    r = client.post(
        "/todos",
        json={"title": "  Write report  ", "description": "Q3 numbers", "due_date": "2024-12-31"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert isinstance(body["id"], int)
    assert body["title"] == "Write report"
    assert body["description"] == "Q3 numbers"
    assert body["done"] is False
    assert body["due_date"] == "2024-12-31"
    assert r.headers["location"].endswith(f"/todos/{body['id']}")
    datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))


def test_create_applies_defaults(client):
    body = client.post("/todos", json={"title": "Minimal"}).json()
    assert body["description"] is None
    assert body["done"] is False
    assert body["due_date"] is None
    assert set(body) >= {"id", "title", "description", "done", "due_date", "created_at"}


INVALID_CREATE = {
    "missing_title": {},
    "blank_title": {"title": "   "},
    "title_too_long": {"title": "x" * 201},
    "description_too_long": {"title": "ok", "description": "d" * 2001},
    "done_not_bool": {"title": "ok", "done": "maybe"},
    "impossible_date": {"title": "ok", "due_date": "2024-02-30"},
    "unknown_field": {"title": "ok", "priority": 3},
    "client_sets_id": {"title": "ok", "id": 42},
}


def test_create_rejects_invalid_bodies_with_422(client):
    for case, payload in INVALID_CREATE.items():
        r = client.post("/todos", json=payload)
        assert r.status_code == 422, f"{case}: {payload!r} -> {r.status_code} {r.text}"
    assert client.get("/todos").json()["total"] == 0


def test_get_one_and_unknown_id_is_404(client, make):
    todo = make("Read book")
    r = client.get(f"/todos/{todo['id']}")
    assert r.status_code == 200
    assert r.json() == todo
    r = client.get("/todos/987654")
    assert r.status_code == 404
    assert isinstance(r.json()["detail"], str)


def test_patch_changes_only_sent_fields(client, make):
    todo = make("Plan trip", description="Lisbon", due_date="2025-05-01")
    r = client.patch(f"/todos/{todo['id']}", json={"done": True})
    assert r.status_code == 200, r.text
    assert r.json() == {**todo, "done": True}
    r = client.patch(f"/todos/{todo['id']}", json={"description": None, "title": " Plan holiday "})
    assert r.status_code == 200, r.text
    assert r.json() == {**todo, "done": True, "description": None, "title": "Plan holiday"}
    assert client.get(f"/todos/{todo['id']}").json() == r.json()


INVALID_PATCH = {
    "null_title": {"title": None},
    "null_done": {"done": None},
    "empty_title": {"title": ""},
    "bad_date": {"due_date": "31/12/2024"},
    "read_only_field": {"created_at": "2020-01-01"},
}


def test_patch_rejects_invalid_bodies_with_422(client, make):
    todo = make("Stay valid")
    for case, payload in INVALID_PATCH.items():
        r = client.patch(f"/todos/{todo['id']}", json=payload)
        assert r.status_code == 422, f"{case}: {payload!r} -> {r.status_code} {r.text}"
    assert client.get(f"/todos/{todo['id']}").json() == todo


def test_patch_and_delete_unknown_id_are_404(client):
    assert client.patch("/todos/5555", json={"done": True}).status_code == 404
    assert client.delete("/todos/5555").status_code == 404


def test_delete_returns_204_without_body(client, make):
    todo = make("Throw away")
    r = client.delete(f"/todos/{todo['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert client.get(f"/todos/{todo['id']}").status_code == 404
    assert client.delete(f"/todos/{todo['id']}").status_code == 404


def test_duplicate_title_is_409_ignoring_case(client, make):
    make("Buy milk")
    other = make("Buy bread")
    r = client.post("/todos", json={"title": "buy MILK"})
    assert r.status_code == 409, r.text
    assert isinstance(r.json()["detail"], str)
    r = client.patch(f"/todos/{other['id']}", json={"title": "BUY milk"})
    assert r.status_code == 409, r.text
    assert client.get(f"/todos/{other['id']}").json()["title"] == "Buy bread"
    # renaming a to-do to (a new casing of) its own title is not a conflict
    r = client.patch(f"/todos/{other['id']}", json={"title": "Buy Bread"})
    assert r.status_code == 200, r.text


def test_pagination_pages_and_total(client, make):
    ids = [make(f"task {i:02d}")["id"] for i in range(23)]
    first = client.get("/todos").json()
    assert first["total"] == 23 and first["limit"] == 20 and first["offset"] == 0
    assert [t["id"] for t in first["items"]] == ids[:20]
    page = client.get("/todos", params={"limit": 5, "offset": 20}).json()
    assert [t["id"] for t in page["items"]] == ids[20:]
    assert page["total"] == 23 and page["limit"] == 5 and page["offset"] == 20
    past = client.get("/todos", params={"offset": 100}).json()
    assert past["items"] == [] and past["total"] == 23


def test_pagination_filters_on_done(client, make):
    todos = [make(f"item {i}") for i in range(7)]
    for t in todos[::2]:
        assert client.patch(f"/todos/{t['id']}", json={"done": True}).status_code == 200
    done = client.get("/todos", params={"done": "true", "limit": 2, "offset": 1}).json()
    assert done["total"] == 4
    assert [t["id"] for t in done["items"]] == [todos[2]["id"], todos[4]["id"]]
    open_ = client.get("/todos", params={"done": "false"}).json()
    assert open_["total"] == 3
    assert all(t["done"] is False for t in open_["items"])


def test_pagination_rejects_out_of_range_parameters(client, make):
    make("something")
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"}):
        r = client.get("/todos", params=params)
        assert r.status_code == 422, f"{params!r} -> {r.status_code} {r.text}"
