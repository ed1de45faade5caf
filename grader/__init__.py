"""A sandboxed grader for hands-on coding challenges."""

__version__ = "0.1.0"
