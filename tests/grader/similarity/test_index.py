"""The index: starter and boilerplate exclusion, the measure, references, incremental use."""

from __future__ import annotations

import random

import pytest

from grader.similarity import Fingerprints, Index, Scheme, Settings

STARTER = {
    "shapes.py": '''"""Shapes: fill in the functions."""


def parse_shape(line: str) -> tuple[str, list[float]]:
    name, *numbers = line.strip().split(",")
    return name.strip().lower(), [float(number) for number in numbers if number.strip()]


def area(line: str) -> float:
    raise NotImplementedError
''',
}


def own_code(seed: int, functions: int = 6) -> str:
    """A file of functions nobody else wrote: random structure, so no two seeds share much."""
    rng = random.Random(seed)
    ops, names = ["+", "-", "*", "//", "%"], [f"v{i}" for i in range(6)]
    out = []
    for f in range(functions):
        out.append(f"def f{f}(a, b):")
        for _ in range(rng.randint(3, 6)):
            shape = rng.randrange(4)
            x, y, z = (rng.choice(names) for _ in range(3))
            op, op2 = rng.choice(ops), rng.choice(ops)
            if shape == 0:
                out.append(f"    {x} = [{y} {op} i for i in range(a) if i {op2} 2]")
            elif shape == 1:
                out.append(f"    for {x} in range(b):\n        a = (a {op} {x}) {op2} 3")
            elif shape == 2:
                out.append(f"    if a {op} b > {rng.randint(1, 9)}:\n        return {{'{z}': a}}")
            else:
                out.append(f"    while b > a:\n        b = b {op} {rng.randint(1, 9)}")
        out.append("    return a, b\n")
    return "\n".join(out)


def fps(**files: str) -> Fingerprints:
    return Fingerprints.from_tree(files)


def test_two_submissions_that_only_hold_the_starter_are_not_similar() -> None:
    index = Index(starter=Fingerprints.from_tree(STARTER))
    index.add("alice", fps(**STARTER))
    report = index.query(fps(**STARTER))
    assert report.compared == 0 and report.submissions == () and report.flagged == []
    assert report.starter is not None and report.starter.share_query == 1.0
    assert not report.starter.flagged and report.starter.fragments


def test_without_the_starter_excluded_they_would_be() -> None:
    index = Index()
    index.add("alice", fps(**STARTER))
    (match,) = index.query(fps(**STARTER)).submissions
    assert match.similarity == 1.0 and match.flagged


def test_a_copy_is_flagged_both_ways_and_an_own_solution_is_not() -> None:
    index = Index(starter=Fingerprints.from_tree(STARTER))
    index.add("alice", fps(**STARTER, **{"solve.py": own_code(1)}))
    index.add("bob", fps(**STARTER, **{"solve.py": own_code(2)}))
    # Carol takes Alice's code and adds as much of her own: all of hers is in Alice's.
    padded = own_code(1) + "\n\n" + own_code(3).replace("def f", "def g")
    report = index.query(fps(**STARTER, **{"mine.py": padded}))
    (alice,) = report.flagged
    assert alice.other == "alice" and alice.kind == "submission"
    assert alice.share_other > 0.9 and 0.3 < alice.share_query < 0.7
    assert alice.similarity == alice.share_other
    assert all(f.query.path == "mine.py" and f.other.path == "solve.py" for f in alice.fragments)
    assert [m.other for m in report.submissions] in (["alice"], ["alice", "bob"])
    assert all(not m.flagged for m in report.submissions if m.other != "alice")


def test_boilerplate_shared_by_most_submissions_is_ignored() -> None:
    common = own_code(100, functions=4)  # e.g. a helper every candidate pasted from the docs
    settings = Settings(boilerplate_share=0.5, boilerplate_min_submissions=10)
    index = Index(settings)
    for i in range(12):
        index.add(f"s{i}", fps(**{"common.py": common, "own.py": own_code(i)}))
    assert index.boilerplate() >= fps(**{"common.py": common}).hashes
    report = index.query(fps(**{"common.py": common, "own.py": own_code(50)}))
    assert report.flagged == []
    # Below the minimum number of submissions, nothing is boilerplate yet.
    small = Index(settings)
    for i in range(3):
        small.add(f"s{i}", fps(**{"common.py": common, "own.py": own_code(i)}))
    assert small.boilerplate() == frozenset()
    assert small.query(fps(**{"common.py": common, "own.py": own_code(50)})).flagged


def test_a_submission_that_is_mostly_the_reference_is_flagged() -> None:
    reference = fps(**{"solve.py": own_code(7)})
    index = Index(references={"solution": reference})
    report = index.query(fps(**{"x.py": own_code(7).replace("v1", "renamed")}))
    (match,) = report.flagged
    assert (match.other, match.kind) == ("solution", "reference")
    assert index.query(fps(**{"x.py": own_code(8)})).references[0].flagged is False


def test_incremental_add_replace_remove_and_self_exclusion() -> None:
    index = Index()
    mine = fps(**{"a.py": own_code(1)})
    index.add("a", mine)
    index.add("b", fps(**{"b.py": own_code(2)}))
    assert len(index) == 2 and "a" in index
    assert index.query(mine, exclude="a").flagged == []
    assert [m.other for m in index.query(mine).flagged] == ["a"]
    index.add("a", fps(**{"a.py": own_code(3)}))  # a new push replaces the old fingerprints
    assert index.query(mine).flagged == []
    index.remove("a")
    index.remove("never-stored")
    assert len(index) == 1 and "a" not in index


def test_tiny_overlaps_are_not_matches_and_results_are_bounded() -> None:
    index = Index(Settings(max_results=3, min_shared=4))
    for i in range(8):
        index.add(f"s{i}", fps(**{"a.py": own_code(1)}))
    assert len(index.query(fps(**{"a.py": own_code(1)})).submissions) == 8  # all flagged: all kept
    # Eight submissions share one function with the query: a small share, none flagged,
    # so only the closest max_results are reported; with min_shared above the overlap, none.
    shared_part = own_code(1, functions=1)
    query = fps(**{"a.py": shared_part + own_code(99)})
    for settings, reported in ((Settings(max_results=3), 3), (Settings(min_shared=100), 0)):
        quiet = Index(settings)
        for i in range(8):
            quiet.add(f"s{i}", fps(**{"a.py": shared_part + own_code(10 + i)}))
        found = quiet.query(query).submissions
        assert len(found) == reported and not any(m.flagged for m in found)
    assert Index().query(fps(**{"a.py": "x = 1\n"})).submissions == ()


def test_report_is_json_compatible_and_schemes_must_agree() -> None:
    index = Index(references={"solution": fps(**{"s.py": own_code(4)})})
    index.add("a", fps(**{"a.py": own_code(4)}))
    data = index.query(fps(**{"b.py": own_code(4)})).to_json()
    assert data["submissions"][0]["similarity"] == 1.0
    assert data["references"][0]["fragments"][0]["query"]["path"] == "b.py"
    assert data["starter"] is None
    with pytest.raises(ValueError, match="scheme"):
        index.add("x", Fingerprints.from_tree({"a.py": own_code(1)}, Scheme(k=9, w=4)))
    with pytest.raises(ValueError, match="share"):
        Settings(threshold=0)
