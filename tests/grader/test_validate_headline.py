"""What `grader challenge validate` shows of a failure: its last line that is not a
stack frame, for each language's message."""

from __future__ import annotations

import pytest

from grader.validate import headline


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (  # pytest: the assertion comes last
            "def test_x():\n>       assert count('a a') == 3\nE       assert 2 == 3",
            "E       assert 2 == 3",
        ),
        (  # JUnit (GraderListener): the exception, then frames
            "java.lang.IllegalAccessError: class com.shop.T tried to access method x\n"
            "\tat com.shop.T.reaches(T.java:12)\n\t... 4 more",
            "java.lang.IllegalAccessError: class com.shop.T tried to access method x",
        ),
        (  # node:test: the error, then frames
            "Error: not implemented\n    at TTLCache.get (/work/src/cache.js:27:11)\n"
            "    at TestContext.<anonymous> (/work/hidden/cache.test.js:12:5)",
            "Error: not implemented",
        ),
        ("\tat only.Frames(A.java:1)", "at only.Frames(A.java:1)"),
        ("", ""),
        ("x" * 300, "x" * 200),
    ],
)
def test_the_headline_of_a_failure_is_its_last_line_that_is_not_a_frame(
    message: str, shown: str
) -> None:
    assert headline(message) == shown
