"""One tree's fingerprints: deterministic, per file, small, stored and read back as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.errors import InfrastructureError
from grader.similarity import Fingerprints, Scheme
from grader.similarity.fingerprints import MAX_TREE_CHARS

CHALLENGES = Path(__file__).resolve().parents[3] / "challenges"


def test_a_folder_and_its_mapping_give_the_same_fingerprints(tmp_path: Path) -> None:
    tree = Fingerprints.from_folder(CHALLENGES / "todo-api" / "solution")
    texts = {
        p.relative_to(CHALLENGES / "todo-api" / "solution").as_posix(): p.read_text()
        for p in (CHALLENGES / "todo-api" / "solution").rglob("*")
        if p.is_file()
    }
    assert Fingerprints.from_tree(dict(reversed(list(texts.items())))) == tree
    assert tree.paths() == ["todo_api/app.py", "todo_api/db.py", "todo_api/schemas.py"]
    assert all(fp.start_line <= fp.end_line for fp in tree.items)


def test_json_round_trip_is_equal_and_small() -> None:
    tree = Fingerprints.from_folder(CHALLENGES / "todo-api" / "solution")
    data = json.loads(json.dumps(tree.to_json()))
    again = Fingerprints.from_json(data)
    assert again == tree and again.hashes == tree.hashes
    assert len(json.dumps(data)) < 40 * len(tree) < 20_000


def test_stored_data_of_another_scheme_or_damaged_is_refused() -> None:
    data = Fingerprints.from_tree(
        {"a.py": "x = [i * 2 for i in range(10) if i % 3 == 1]\n"}
    ).to_json()
    assert data["hash"]
    with pytest.raises(InfrastructureError, match="version"):
        Fingerprints.from_json({**data, "scheme": {**data["scheme"], "version": 0}})
    with pytest.raises(InfrastructureError, match="cannot be read"):
        Fingerprints.from_json({**data, "line": []})
    with pytest.raises(InfrastructureError, match="cannot be read"):
        Fingerprints.from_json({"scheme": "?"})


def test_other_schemes_are_kept_and_read_back() -> None:
    scheme = Scheme(k=5, w=3)
    tree = Fingerprints.from_tree({"a.py": "def f(a, b):\n    return a + b * 2\n"}, scheme)
    assert Fingerprints.from_json(tree.to_json()).scheme == scheme


def test_links_git_and_documents_are_not_read(tmp_path: Path) -> None:
    code = "def f(values):\n    return sorted(v * 2 for v in values if v > 0)[:10]\n"
    (tmp_path / "app.py").write_text(code)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "hook.py").write_text(code)
    (tmp_path / "README.md").write_text("# readme\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    outside.write_text(code)
    (tmp_path / "link.py").symlink_to(outside)
    (tmp_path / "latin1.py").write_bytes(("s = 'caf\xe9'\n" + code).encode("latin-1"))
    assert Fingerprints.from_folder(tmp_path).paths() == ["app.py", "latin1.py"]


def test_an_empty_tree_has_no_fingerprints() -> None:
    assert len(Fingerprints.from_tree({})) == 0
    assert len(Fingerprints.from_tree({"README.md": "hello"})) == 0


def test_a_tree_past_the_budget_keeps_its_smaller_files_and_leaves_the_largest_unread() -> None:
    body = "    result = 0\n    for value in values:\n        result += value\n    return result\n"
    own = ("def total(values):\n" + body) * 3
    padding = "x = [" + "1, " * 40_000 + "]\n"  # a large generated file, lexed last
    tree = {"zzz_own.py": own, "aaa_padding.py": padding}
    capped = Fingerprints.from_tree(tree, budget=len(own) + 10)
    assert capped.paths() == ["zzz_own.py"]
    assert Fingerprints.from_tree(tree).paths() == ["aaa_padding.py", "zzz_own.py"]


def test_the_budget_bounds_the_cost_of_a_hostile_tree() -> None:
    """Many files of pathological code: only MAX_TREE_CHARS of them are lexed."""
    nested = "(" * 20_000 + ")" * 20_000 + "\n"
    tree = {f"f{i:03d}.py": nested for i in range(100)}
    fingerprinted = Fingerprints.from_tree(tree)
    assert len(fingerprinted.paths()) == MAX_TREE_CHARS // len(nested)
