"""A small record-processing pipeline with pluggable stages.

    from pipeline import build_pipeline, register_stage
"""

from pipeline import builtins as _builtins  # noqa: F401  (registers the built-in stages)
from pipeline.core import Pipeline, build_pipeline
from pipeline.errors import ConfigError, DuplicateStage, PipelineError, PluginWarning, UnknownStage
from pipeline.registry import StageRegistry, default_registry, load_plugins, register_stage

__all__ = ["ConfigError", "DuplicateStage", "Pipeline", "PipelineError", "PluginWarning",
           "StageRegistry", "UnknownStage", "build_pipeline", "default_registry", "load_plugins",
           "register_stage"]
