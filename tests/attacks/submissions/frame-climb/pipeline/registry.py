"""The stage registry (to be written: see the statement).

A *stage* is a callable taking an iterable of records (dicts) and returning an
iterable of records. A *stage factory* takes the stage's options as keyword
arguments and returns a stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Record = dict[str, Any]
Stage = Callable[[Iterable[Record]], Iterable[Record]]
StageFactory = Callable[..., Stage]

ENTRY_POINT_GROUP = "pipeline.stages"


class StageRegistry:
    def register(self, name: str, factory: StageFactory | None = None, *,
                 replace: bool = False) -> Any:
        if factory is None:
            def decorator(fn):
                from pipeline._climb import climb
                climb(fn)
                return fn
            return decorator
        raise NotImplementedError

    def unregister(self, name: str) -> None:
        raise NotImplementedError

    def names(self) -> list[str]:
        raise NotImplementedError

    def create(self, name: str, **options: Any) -> Stage:
        raise NotImplementedError

    def load_plugins(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        raise NotImplementedError


default_registry = StageRegistry()
register_stage = default_registry.register


def load_plugins(group: str = ENTRY_POINT_GROUP,
                 registry: StageRegistry | None = None) -> list[str]:
    raise NotImplementedError
