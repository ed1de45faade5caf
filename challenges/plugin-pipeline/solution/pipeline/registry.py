"""The stage registry: the one place that maps stage names to stage factories.

A *stage* is a callable taking an iterable of records (dicts) and returning an
iterable of records; it should stream (consume its input lazily). A *stage
factory* is a callable taking the stage's options as keyword arguments and
returning a stage; a class whose __init__ takes the options and whose
__call__ takes the records is a factory too.

Built-in stages and plug-ins register the same way, so the core never needs to
know which stages exist.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any, TypeVar, overload

from pipeline.errors import DuplicateStage, PluginWarning, UnknownStage

Record = dict[str, Any]
Stage = Callable[[Iterable[Record]], Iterable[Record]]
StageFactory = Callable[..., Stage]
F = TypeVar("F", bound=StageFactory)

ENTRY_POINT_GROUP = "pipeline.stages"


class StageRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, StageFactory] = {}

    @overload
    def register(self, name: str, factory: None = None, *, replace: bool = False
                 ) -> Callable[[F], F]: ...

    @overload
    def register(self, name: str, factory: F, *, replace: bool = False) -> F: ...

    def register(self, name: str, factory: StageFactory | None = None, *,
                 replace: bool = False) -> Any:
        """Register factory under name; without a factory, return a decorator."""
        if not isinstance(name, str) or not name:
            raise ValueError("a stage name must be a non-empty string")

        def add(f: F) -> F:
            if not callable(f):
                raise TypeError(f"stage factory for {name!r} is not callable")
            if name in self._factories and not replace:
                raise DuplicateStage(f"a stage named {name!r} is already registered")
            self._factories[name] = f
            return f

        return add if factory is None else add(factory)

    def unregister(self, name: str) -> None:
        if self._factories.pop(name, None) is None:
            raise UnknownStage(self._unknown_message(name))

    def names(self) -> list[str]:
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def create(self, name: str, **options: Any) -> Stage:
        """A new stage instance from the factory registered under name."""
        try:
            factory = self._factories[name]
        except KeyError:
            raise UnknownStage(self._unknown_message(name)) from None
        return factory(**options)

    def _unknown_message(self, name: str) -> str:
        return f"unknown stage {name!r}; available: {', '.join(self.names()) or 'none'}"

    def load_plugins(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        """Register every entry point of `group` (entry point name = stage name).

        A plug-in that fails to load or clashes with a registered name is
        skipped with a PluginWarning; the others are still loaded. Returns the
        names registered.
        """
        loaded = []
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            try:
                factory = ep.load()
                self.register(ep.name, factory)
            except Exception as exc:  # a broken plug-in must not take the others down
                warnings.warn(f"stage plug-in {ep.name!r} ({ep.value}) not loaded: {exc!r}",
                              PluginWarning, stacklevel=2)
                continue
            loaded.append(ep.name)
        return loaded


#: The registry used when none is given. Built-ins register here on import.
default_registry = StageRegistry()
register_stage = default_registry.register


def load_plugins(group: str = ENTRY_POINT_GROUP,
                 registry: StageRegistry | None = None) -> list[str]:
    return (registry or default_registry).load_plugins(group)
