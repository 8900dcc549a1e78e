"""A path under /api/v1/ that matches no operation answers in problem+json, like every other API error."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize("path", ["/api/v1/assignment-rules/null,null", "/api/v1/no-such-thing", "/api/v1/contacts/abc/x"])
def test_unmatched_api_paths_are_problem_json_404s(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404 and path in response.json()["detail"]
