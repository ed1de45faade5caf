"""A to-do API written independently of the catalogue's solution.

One module: hand-written validation of the JSON bodies (no pydantic models),
a thread-local SQLite connection per application, and a unique index on the
lower-cased title.
"""

import datetime as dt
import os
import sqlite3
import threading

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

FIELDS = ("title", "description", "done", "due_date")
DDL = [
    "create table if not exists todos ("
    " id integer primary key autoincrement, title text not null, description text,"
    " done integer not null default 0, due_date text, created_at text not null)",
    "create unique index if not exists todos_title_ci on todos (lower(title))",
]


class Invalid(Exception):
    pass


def _check_title(value):
    if not isinstance(value, str):
        raise Invalid("title must be a string")
    value = value.strip()
    if not 1 <= len(value) <= 200:
        raise Invalid("title must have 1 to 200 characters")
    return value


def _check_description(value):
    if value is not None and (not isinstance(value, str) or len(value) > 2000):
        raise Invalid("description must be a string of at most 2000 characters")
    return value


def _check_done(value):
    if not isinstance(value, bool):
        raise Invalid("done must be a boolean")
    return value


def _check_due(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("due_date must be a date")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as err:
        raise Invalid("due_date must be a YYYY-MM-DD date") from err


CHECKS = {
    "title": _check_title,
    "description": _check_description,
    "done": _check_done,
    "due_date": _check_due,
}


def clean(payload, partial):
    if not isinstance(payload, dict):
        raise Invalid("the body must be a JSON object")
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        raise Invalid("unknown fields: " + ", ".join(unknown))
    if not partial and "title" not in payload:
        raise Invalid("title is required")
    return {name: CHECKS[name](payload[name]) for name in FIELDS if name in payload}


def as_json(row):
    return {
        "id": row[0],
        "title": row[1],
        "description": row[2],
        "done": row[3] == 1,
        "due_date": row[4],
        "created_at": row[5],
    }


def invalid(message):
    return JSONResponse({"detail": [{"msg": message}]}, status_code=422)


def missing(todo_id):
    return JSONResponse({"detail": f"no to-do with id {todo_id}"}, status_code=404)


def parse_page(query):
    try:
        limit = int(query.get("limit", "20"))
        offset = int(query.get("offset", "0"))
    except ValueError as err:
        raise Invalid("limit and offset are integers") from err
    if not 1 <= limit <= 100 or offset < 0:
        raise Invalid("limit is 1 to 100, offset 0 or more")
    flag = query.get("done")
    if flag is None:
        return limit, offset, None
    lowered = flag.lower()
    if lowered in ("true", "1"):
        return limit, offset, 1
    if lowered in ("false", "0"):
        return limit, offset, 0
    raise Invalid("done is true or false")


class Database:
    def __init__(self, filename):
        self.filename = filename
        self.local = threading.local()
        for statement in DDL:
            self.run(statement)

    def connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.filename, timeout=10)
            self.local.conn = conn
        return conn

    def run(self, sql, args=()):
        conn = self.connection()
        with conn:
            return conn.execute(sql, args)

    def fetch(self, todo_id):
        cursor = self.connection().execute(
            "select id, title, description, done, due_date, created_at from todos where id = ?",
            (todo_id,),
        )
        return cursor.fetchone()


def create_app(db_path=None):
    if db_path is None:
        db_path = os.environ.get("TODO_DB_PATH") or "todos.db"
    db = Database(os.fspath(db_path))
    app = FastAPI()

    async def body_of(request):
        try:
            return await request.json()
        except ValueError as err:
            raise Invalid("the body is not JSON") from err

    @app.post("/todos")
    async def add(request: Request):
        try:
            values = clean(await body_of(request), partial=False)
        except Invalid as err:
            return invalid(str(err))
        stamp = dt.datetime.now(dt.UTC).isoformat()
        try:
            cursor = db.run(
                "insert into todos (title, description, done, due_date, created_at)"
                " values (?, ?, ?, ?, ?)",
                (
                    values["title"],
                    values.get("description"),
                    int(values.get("done", False)),
                    values.get("due_date"),
                    stamp,
                ),
            )
        except sqlite3.IntegrityError:
            return JSONResponse({"detail": "that title is taken"}, status_code=409)
        new_id = cursor.lastrowid
        return JSONResponse(
            as_json(db.fetch(new_id)), status_code=201, headers={"Location": f"/todos/{new_id}"}
        )

    @app.get("/todos")
    def listing(request: Request):
        try:
            limit, offset, done = parse_page(request.query_params)
        except Invalid as err:
            return invalid(str(err))
        where, args = ("", []) if done is None else (" where done = ?", [done])
        conn = db.connection()
        total = conn.execute("select count(*) from todos" + where, args).fetchone()[0]
        rows = conn.execute(
            "select id, title, description, done, due_date, created_at from todos"
            + where
            + " order by id limit ? offset ?",
            [*args, limit, offset],
        ).fetchall()
        return {
            "items": [as_json(r) for r in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @app.get("/todos/{todo_id}")
    def show(todo_id: int):
        row = db.fetch(todo_id)
        return missing(todo_id) if row is None else as_json(row)

    @app.patch("/todos/{todo_id}")
    async def edit(todo_id: int, request: Request):
        try:
            values = clean(await body_of(request), partial=True)
        except Invalid as err:
            return invalid(str(err))
        if db.fetch(todo_id) is None:
            return missing(todo_id)
        if "done" in values:
            values["done"] = int(values["done"])
        if values:
            sets = ", ".join(f"{name} = ?" for name in values)
            try:
                db.run(f"update todos set {sets} where id = ?", [*values.values(), todo_id])
            except sqlite3.IntegrityError:
                return JSONResponse({"detail": "that title is taken"}, status_code=409)
        return as_json(db.fetch(todo_id))

    @app.delete("/todos/{todo_id}")
    def remove(todo_id: int):
        if db.run("delete from todos where id = ?", (todo_id,)).rowcount == 0:
            return missing(todo_id)
        return Response(status_code=204)

    return app
