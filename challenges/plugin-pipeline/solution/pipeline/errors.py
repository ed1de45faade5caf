"""Errors of the pipeline package."""


class PipelineError(Exception):
    """Base class."""


class UnknownStage(PipelineError, KeyError):
    """No stage is registered under that name."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


class DuplicateStage(PipelineError, ValueError):
    """A stage is already registered under that name."""


class ConfigError(PipelineError, ValueError):
    """A pipeline configuration is invalid (the message names the stage's position)."""


class PluginWarning(UserWarning):
    """A plug-in could not be loaded; the others still are."""
