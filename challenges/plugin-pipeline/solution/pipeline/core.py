"""Pipelines: a chain of stages built from a configuration.

The core knows nothing about particular stages: it asks a registry for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pipeline.errors import ConfigError, UnknownStage
from pipeline.registry import Record, Stage, StageRegistry, default_registry


class Pipeline:
    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)

    def run(self, records: Iterable[Record]) -> Iterator[Record]:
        """Stream the records through every stage, lazily."""
        stream: Iterable[Record] = records
        for stage in self.stages:
            stream = stage(stream)
        return iter(stream)


def build_pipeline(config: Sequence[Mapping[str, Any]],
                   registry: StageRegistry | None = None) -> Pipeline:
    """Build a pipeline from [{"stage": name, **options}, ...]."""
    registry = registry or default_registry
    stages = []
    for index, entry in enumerate(config):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("stage"), str):
            raise ConfigError(f"stage #{index}: expected a mapping with a 'stage' name")
        options = {key: value for key, value in entry.items() if key != "stage"}
        name = entry["stage"]
        try:
            stages.append(registry.create(name, **options))
        except UnknownStage as exc:
            raise UnknownStage(f"stage #{index}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"stage #{index} ({name}): {exc}") from exc
    return Pipeline(stages)
