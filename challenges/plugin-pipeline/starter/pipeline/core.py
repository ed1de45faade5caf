"""Pipelines: a chain of stages built from a configuration.

Every new stage so far meant another branch below; the team now wants other
teams to ship their own stages as plug-ins. See the statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pipeline.errors import ConfigError, UnknownStage

Record = dict[str, Any]


class Pipeline:
    def __init__(self, config: Sequence[Mapping[str, Any]]) -> None:
        self.config = list(config)

    def run(self, records: Iterable[Record]) -> list[Record]:
        data = list(records)
        for index, step in enumerate(self.config):
            name = step.get("stage")
            if name == "filter":
                data = [r for r in data if r.get(step["field"]) == step["equals"]]
            elif name == "rename":
                for r in data:
                    for old, new in step["fields"].items():
                        if old in r:
                            r[new] = r.pop(old)
            elif name == "limit":
                data = data[: step["n"]]
            # TODO: "select" and "dedupe" (see the statement)
            else:
                raise UnknownStage(f"stage #{index}: unknown stage {name!r}")
        return data


def build_pipeline(config: Sequence[Mapping[str, Any]], registry: Any = None) -> Pipeline:
    for index, step in enumerate(config):
        if "stage" not in step:
            raise ConfigError(f"stage #{index}: no 'stage' name")
    return Pipeline(config)
