"""What a candidate does to hide a copied Python file, done mechanically for the tests.

``disguise`` renames every name the file defines (functions, classes,
parameters, variables, imports' aliases are left alone), changes every string
literal, reverses the order of the top-level definitions and of each class's
methods, and reformats the whole file (``ast.unparse``: other quotes, line
breaks, spacing; comments and blank lines gone), then adds comments of its own.
The result is valid Python that does the same thing under other names.
"""

from __future__ import annotations

import ast
import builtins


class _Renamer(ast.NodeTransformer):
    def __init__(self, defined: set[str]) -> None:
        self.defined = defined

    def new(self, name: str) -> str:
        return f"renamed_{name}_x" if name in self.defined else name

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.new(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.new(node.arg)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self.new(node.name)
        self.generic_visit(node)
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AsyncFunctionDef:
        node.name = self.new(node.name)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        node.name = self.new(node.name)
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str) and node.value:
            node.value = f"<{node.value[::-1]}>"
        return node


def _defined_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names - set(dir(builtins)) - {"self", "cls"}


def _reorder(body: list[ast.stmt]) -> list[ast.stmt]:
    """Definitions in reverse order, after everything else (imports, constants)."""
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in body:
        if isinstance(node, ast.ClassDef):
            node.body = _reorder(node.body)
    rest = [node for node in body if not isinstance(node, definitions)]
    return rest + [node for node in reversed(body) if isinstance(node, definitions)]


def disguise(source: str) -> str:
    """The same program, renamed, reordered and reformatted (see the module docstring)."""
    tree = ast.parse(source)
    tree = _Renamer(_defined_names(tree)).visit(tree)
    tree.body = _reorder(tree.body)
    lines = ast.unparse(ast.fix_missing_locations(tree)).splitlines()
    return (
        "# my own work\n"
        + "\n".join(
            f"{line}  # step {i}" if line.rstrip().endswith(")") else line
            for i, line in enumerate(lines)
        )
        + "\n"
    )
