"""No door reads customer data around the selectors.

Views and API handlers must look records up through the selectors, which
apply the visibility rules (docs/adr/0002-visibility.md). This check parses
every view and API module and fails on a direct manager access
(``Contact.objects``, ``Opportunity._default_manager``,
``get_object_or_404(Lead, ...)``) to a customer model: any model with an
owner or team, and any model that points at one (interactions, contact
points, deal links...), found through ``django.apps``. Justified exceptions
are listed below, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.db import models

SRC = Path(__file__).resolve().parents[2] / "src" / "rapport"
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}

# (module path relative to src/rapport, model name) -> why it is fine there.
ALLOWED: dict[tuple[str, str], str] = {}


def customer_models() -> set[str]:
    """Models with an owner or a team outside the directory (core), and models that point at them."""
    owned = {
        m
        for m in apps.get_models()
        if m._meta.app_label not in {"core", "auth", "admin", "contenttypes", "sessions"}
        and m.__module__.startswith("rapport.")
        and {"owner", "team"} & {f.name for f in m._meta.get_fields()}
    }
    pointing = {
        m
        for m in apps.get_models()
        if m.__module__.startswith("rapport.")
        and any(isinstance(f, models.ForeignKey) and f.related_model in owned for f in m._meta.get_fields())
    }
    return {m.__name__ for m in owned | pointing}


def door_modules() -> list[Path]:
    found = set(SRC.glob("*/views.py")) | set(SRC.glob("*/views/**/*.py")) | set(SRC.glob("*/api.py")) | set(SRC.glob("*/*_api.py"))
    return sorted(p for p in found if "tests" not in p.parts and "migrations" not in p.parts)


def _model_name(node: ast.expr) -> str | None:
    """``Contact`` or ``models.Contact`` -> "Contact"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def direct_accesses(path: Path, names: set[str]) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS and _model_name(node.value) in names:
            found.append((node.lineno, f"{_model_name(node.value)}.{node.attr}"))
        elif isinstance(node, ast.Call) and _model_name(node.func) in SHORTCUTS and node.args and _model_name(node.args[0]) in names:
            found.append((node.lineno, f"{_model_name(node.func)}({_model_name(node.args[0])})"))
    return sorted(found)


def test_views_and_api_handlers_go_through_the_selectors():
    names = customer_models()
    assert {"Account", "Contact", "Lead", "Interaction"} <= names
    violations = []
    for path in door_modules():
        relative = str(path.relative_to(SRC))
        for line, access in direct_accesses(path, names):
            if (relative, access.split(".")[0].split("(")[-1].rstrip(")")) not in ALLOWED:
                violations.append(f"src/rapport/{relative}:{line}: {access}")
    assert not violations, "Read customer records through a selector (or allow-list it with a reason):\n" + "\n".join(violations)


def test_the_check_finds_what_it_looks_for(tmp_path):
    """The walker must recognise every form it forbids, or a green run proves nothing."""
    sample = tmp_path / "views.py"
    sample.write_text(
        "from rapport.customers import models\n"
        "def a(request, pk):\n"
        "    Contact.objects.get(pk=pk)\n"
        "    models.Lead._default_manager.all()\n"
        "    get_object_or_404(Account, pk=pk)\n"
        "    Team.objects.all()\n"
    )
    found = direct_accesses(sample, customer_models())
    assert found == [(3, "Contact.objects"), (4, "Lead._default_manager"), (5, "get_object_or_404(Account)")]
    assert len(door_modules()) >= 8


def test_allowed_exceptions_still_exist():
    names = customer_models()
    for (relative, model), reason in ALLOWED.items():
        assert reason.strip(), f"{relative}: {model} needs a reason"
        hits = [a for _, a in direct_accesses(SRC / relative, names) if model in a]
        assert hits, f"{relative} no longer reads {model} directly: remove it from ALLOWED"
