"""Attack: raise pytest's own outcome exceptions from the candidate process.

A candidate exception crosses to the tests' process as a local class whose base is the
first class of its lineage that process has by name. pytest is installed (and preloaded
in the tests' process), so the candidate can name ``_pytest.outcomes.Skipped``,
``XFailed`` and ``Exit``: its failures would become skips and expected failures, and an
``Exit(returncode=0)`` would end the session with status 0 before the control tests ran.
"""

from _pytest.outcomes import Exit, Skipped, XFailed


def count_words(text):
    if "go" in text.lower():
        raise XFailed("an expected failure")
    raise Skipped("not applicable", allow_module_level=True)


def top_words(text, n):
    if n <= 0:
        raise Exit("done", returncode=0)
    raise Skipped("not applicable")
