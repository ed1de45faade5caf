"""Request and response models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=2000)]


class TodoCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description | None = None
    done: bool = False
    due_date: date | None = None


class TodoUpdate(BaseModel):
    """A partial update: only the fields present in the request are changed."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Description | None = None
    done: bool | None = None
    due_date: date | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> TodoUpdate:
        for name in ("title", "done"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class Todo(BaseModel):
    id: int
    title: str
    description: str | None
    done: bool
    due_date: date | None
    created_at: str


class TodoPage(BaseModel):
    items: list[Todo]
    total: int
    limit: int
    offset: int
