"""``python -m grader.cli``: the same command as the ``grader`` entry point."""

from grader.cli import app

app()
