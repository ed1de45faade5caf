"""The root command's group, which imports a command's module only when the command is used.

Typer builds every registered sub-app when the root runs, so registering them
with ``add_typer`` imports every group's module, and with them the store,
SQLAlchemy, the API, the queue and the similarity index: about a second for
a ``grader grade`` that uses none of them. Here the root knows its commands by
name (grader/cli/__init__.py's COMMANDS) and builds one on first use, from its
module's Typer, exactly as ``add_typer`` would have.

Guarantees: the commands are listed (``--help``, typo suggestions) in COMMANDS'
order; a command's module is imported at most once, when that command is run or
listed with its help text.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

_PACKAGE = "grader.cli"


@dataclass(frozen=True)
class Registered:
    """Where a root command is: ``grader.cli.<module>``'s Typer ``attribute``, which either
    is the command (``group``: a named group, as ``add_typer(name=...)``) or holds it
    among its own commands (they join the root's, as ``add_typer`` without a name)."""

    module: str
    attribute: str
    group: bool = False


class _Commands(MutableMapping[str, Any]):
    """The root's commands by name, each built on first access."""

    def __init__(self, registry: Mapping[str, Registered]) -> None:
        self.registry = registry
        self.built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.built:
            where = self.registry[name]  # KeyError: no such command
            module = importlib.import_module(f"{_PACKAGE}.{where.module}")
            sub_app = getattr(module, where.attribute)
            group = typer.main.get_group(sub_app)
            if where.group:
                group.name = name
                self.built[name] = group
            else:
                self.built[name] = group.commands[name]
        return self.built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("the root's commands are fixed")

    def __iter__(self) -> Iterator[str]:
        return iter(self.registry)

    def __len__(self) -> int:
        return len(self.registry)


class LazyGroup(TyperGroup):
    """A TyperGroup whose commands are ``registry``'s, built on first use."""

    registry: Mapping[str, Registered] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Typer passes the commands it built itself: none, the root registers no sub-app.
        self.commands = _Commands(self.registry)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.registry)

    @classmethod
    def of(cls, registry: Mapping[str, Registered]) -> type[LazyGroup]:
        """This group's class for one registry (Typer takes a class, not an instance)."""
        return type("LazyRoot", (cls,), {"registry": registry})
