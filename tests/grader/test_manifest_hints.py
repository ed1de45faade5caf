"""The hints given to an author: close matches only, and TOML's quoting."""

from __future__ import annotations

import pytest

from grader.challenge import _matches
from grader.manifest_hints import corrected_glob, did_you_mean, quoted

IDS = [
    "hidden/test_behaviour.py::test_words_are_joined",
    "hidden/test_edge.py::TestEmpty::test_empty",
    "hidden/test_perf.py::test_n[1000]",
]


def test_a_close_word_is_suggested_and_a_far_one_is_not() -> None:
    assert did_you_mean("programing", ["programming", "testing"]) == (
        ' (did you mean "programming"?)'
    )
    assert did_you_mean("juggling", ["programming", "testing"]) == ""


def test_a_suggestion_is_quoted_as_toml_writes_a_string() -> None:
    assert quoted('a "b"') == '"a \\"b\\""'


@pytest.mark.parametrize(
    ("glob", "meant"),
    [
        ("hidden/test_behavior.py::*", "hidden/test_behaviour.py::*"),
        ("hidden/test_behaviour.py::test_wrods*", "hidden/test_behaviour.py::test_words*"),
        ("hidden/test_edg.py::TestEmpty::*", "hidden/test_edge.py::TestEmpty::*"),
        ("hidden/test_behavior.py*", "hidden/test_behaviour.py*"),
        ("hidden/test_zzz.py::*", None),  # "hidden/test_" and ".py" alone are no likeness
        ("hidden/test_sec.py::*", None),
        ("hidden/test_edge.py::TestFull::*", None),
    ],
)
def test_a_glob_is_corrected_part_by_part(glob: str, meant: str | None) -> None:
    assert corrected_glob(glob, IDS, _matches) == meant
