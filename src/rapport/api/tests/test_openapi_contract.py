"""The API contract is a reviewed file: a change to it shows up as a diff.

Regenerate after an intended change with
``RAPPORT_UPDATE_SNAPSHOTS=1 .venv/bin/pytest src/rapport/api/tests/test_openapi_contract.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.test import Client

SNAPSHOT = Path(__file__).resolve().parent.parent / "openapi.json"


@pytest.mark.django_db
def test_openapi_document_matches_the_snapshot():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    current = json.dumps(response.json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("RAPPORT_UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8"), "The API contract changed: review the diff and update the snapshot."


@pytest.mark.django_db
def test_every_operation_documents_its_errors_and_auth():
    spec = Client().get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Rapport API"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("operationId"), (method, path)
            if path != "/api/v1/auth/token":
                assert operation.get("security"), f"{method.upper()} {path} has no authentication"


@pytest.mark.django_db
def test_docs_page_is_served_without_a_cdn():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_no_two_schemas_share_a_name():
    """Ninja names a component by its class: a second ``ProfileOut`` in another app silently replaced the first in the spec."""
    from collections import Counter

    from ninja import Schema

    import rapport.api.api  # noqa: F401  (imports every router and its schemas)

    def subclasses(cls: type) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in (direct, *subclasses(direct))]

    names = Counter(cls.__name__ for cls in set(subclasses(Schema)) if cls.__module__.startswith("rapport."))
    assert [name for name, count in names.items() if count > 1] == []
