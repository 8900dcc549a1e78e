"""No label is translated when its module is imported: it would be frozen in the language of whoever came first."""

from __future__ import annotations

import ast
from pathlib import Path

import rapport

EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _import_time_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    eager = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                # The body runs per call; defaults and decorators run at import.
                for part in (*child.args.defaults, *child.args.kw_defaults, *getattr(child, "decorator_list", [])):
                    if part is not None:
                        visit(ast.Expression(body=part))
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in eager:
                found.append(f"{path}:{child.lineno}: {ast.unparse(child)[:80]}")
            visit(child)

    if eager:
        visit(tree)
    return found


def test_no_module_translates_at_import_time():
    root = Path(rapport.__file__).parent
    calls = [call for path in sorted(root.rglob("*.py")) for call in _import_time_calls(path)]
    assert calls == []
