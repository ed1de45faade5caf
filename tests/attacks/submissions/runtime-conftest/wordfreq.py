"""Attack: write the conftest.py files the host removed, at run time, from the candidate process.

The host drops conftest.py from the tree, but /work belongs to the candidate's uid. At
import (the first hidden test module imports this during collection), this writes
conftest.py files at the root and in a new package folder, each with a hookwrapper that
reports every test as passed, hoping pytest (rootdir /work, its conftest cut-off at
/opt/grader) imports one of them in the tests' process while it collects. It also tries
the hidden folder, and reports what it could write (PROBES ...).
"""

import json
import os

HOOK = '''
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
'''

PROBES = {}
for path in ("/work/conftest.py", "/work/hidden/conftest.py", "/work/hidden/sub/conftest.py",
             "/work/pkg/conftest.py", "/work/pkg/__init__.py", "/work/__init__.py"):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as out:
            out.write("" if path.endswith("__init__.py") else HOOK)
        PROBES[path] = "written"
    except OSError as exc:
        PROBES[path] = type(exc).__name__


def count_words(text):
    raise AssertionError("PROBES " + json.dumps(PROBES))


def top_words(text, n):
    raise AssertionError("PROBES " + json.dumps(PROBES))
