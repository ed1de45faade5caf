"""The to-do HTTP API.

Fill in the routes and the storage; keep the signature of create_app, the
grader calls it.
"""

from __future__ import annotations

import os

from fastapi import FastAPI


def create_app(db_path: str | os.PathLike[str] | None = None) -> FastAPI:
    """Build an application bound to the SQLite file at db_path.

    db_path defaults to $TODO_DB_PATH, then to "todos.db".
    """
    app = FastAPI(title="todo-api")

    # TODO: open/create the database and its schema (table `todos`).
    # TODO: POST /todos, GET /todos, GET /todos/{id}, PATCH /todos/{id}, DELETE /todos/{id}

    @app.get("/todos")
    def list_todos() -> dict[str, object]:
        raise NotImplementedError

    return app
