"""The to-do HTTP API."""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Response, status

from todo_api.db import DuplicateTitle, TodoStore
from todo_api.schemas import Todo, TodoCreate, TodoPage, TodoUpdate

DEFAULT_DB = "todos.db"


def create_app(db_path: str | os.PathLike[str] | None = None) -> FastAPI:
    """Build an application bound to the SQLite file at db_path.

    db_path defaults to $TODO_DB_PATH, then to "todos.db".
    """
    path = db_path if db_path is not None else os.environ.get("TODO_DB_PATH", DEFAULT_DB)
    store = TodoStore(path)
    app = FastAPI(title="todo-api")
    app.state.store = store

    def not_found(todo_id: int) -> HTTPException:
        return HTTPException(status.HTTP_404_NOT_FOUND, f"to-do {todo_id} not found")

    def conflict(title: object) -> HTTPException:
        return HTTPException(status.HTTP_409_CONFLICT, f"a to-do titled {title!r} already exists")

    @app.post("/todos", status_code=status.HTTP_201_CREATED, response_model=Todo)
    def create_todo(body: TodoCreate, response: Response) -> dict[str, object]:
        try:
            todo = store.create(body.model_dump())
        except DuplicateTitle as exc:
            raise conflict(body.title) from exc
        response.headers["Location"] = f"/todos/{todo['id']}"
        return todo

    @app.get("/todos", response_model=TodoPage)
    def list_todos(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
        done: bool | None = None,
    ) -> dict[str, object]:
        items, total = store.page(limit, offset, done)
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    @app.get("/todos/{todo_id}", response_model=Todo)
    def get_todo(todo_id: int) -> dict[str, object]:
        todo = store.get(todo_id)
        if todo is None:
            raise not_found(todo_id)
        return todo

    @app.patch("/todos/{todo_id}", response_model=Todo)
    def update_todo(todo_id: int, body: TodoUpdate) -> dict[str, object]:
        changes = body.changes()
        try:
            todo = store.update(todo_id, changes)
        except DuplicateTitle as exc:
            raise conflict(changes.get("title")) from exc
        if todo is None:
            raise not_found(todo_id)
        return todo

    @app.delete("/todos/{todo_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_todo(todo_id: int) -> Response:
        if not store.delete(todo_id):
            raise not_found(todo_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return app
