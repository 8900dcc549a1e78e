"""Access control for every API operation, enumerated from the OpenAPI document.

For every path with an id, a user who may not see the record gets 404 on every
method and the stored row is unchanged; every list, search and export omits it;
and a body that points at a record the user cannot see is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.security import registry

pytestmark = pytest.mark.django_db


def _spec() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()


def _example(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A small valid value for a JSON schema: what a legitimate client would send."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _example(spec["components"]["schemas"][name], spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], spec) if options else None
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {name: _example(prop, spec) for name, prop in schema.get("properties", {}).items() if name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "2026-01-01"
    if schema.get("format") == "date-time":
        return "2026-01-01T00:00:00Z"
    return "x"


def _body(operation: dict[str, Any], spec: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return _example(content["application/json"]["schema"], spec)


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_every_path_with_an_id_is_registered():
    """A new endpoint with an id must say how the matrix makes its record."""
    spec = _spec()
    with_ids = {path for path in spec["paths"] if registry.PATH_ID.search(path)}
    unknown = with_ids - set(registry.OWNED) - registry.DIRECTORY - set(registry.ADMIN_ONLY)
    assert not unknown, f"Register these paths in tests/security/registry.py: {sorted(unknown)}"
    gone = set(registry.ADMIN_ONLY) - set(spec["paths"])
    assert not gone, f"Registered as administrators-only but no longer in the API: {sorted(gone)}"


def _call(api: Any, method: str, path: str, body: Any) -> Any:
    return getattr(api, method)(path, body) if method in {"post", "patch", "put"} else getattr(api, method)(path)


@pytest.mark.parametrize("path", sorted(registry.OWNED))
def test_a_stranger_gets_404_on_every_method_and_nothing_changes(path, users, api_for):
    spec = _spec()
    assert path in spec["paths"], f"{path} is registered but no longer in the API"
    owner, stranger = users["north_rep"], users["south_rep"]
    record = registry.OWNED[path].make(owner, registry.marker())
    url = registry.PATH_ID.sub(str(record.pk), path)
    api = api_for(stranger)
    for method, operation in spec["paths"][path].items():
        before = registry.snapshot(record)
        response = _call(api, method, url, _body(operation, spec))
        assert response.status_code == 404, f"{method.upper()} {url} as a stranger: {response.status_code} {response.content[:300]!r}"
        assert registry.snapshot(record) == before, f"{method.upper()} {url} changed the row"


@pytest.mark.parametrize("path", sorted(registry.OWNED))
def test_the_owner_can_reach_what_strangers_cannot(path, users, api_for):
    """The 404s above must come from visibility, not from a broken endpoint."""
    spec = _spec()
    owner = users["north_rep"]
    record = registry.OWNED[path].make(owner, registry.marker())
    url = registry.PATH_ID.sub(str(record.pk), path)
    method = "get" if "get" in spec["paths"][path] else next(iter(spec["paths"][path]))
    reacher = users[registry.REACHED_BY.get(path, "north_rep")]
    response = _call(api_for(reacher), method, url, _body(spec["paths"][path][method], spec))
    assert response.status_code != 404, f"{method.upper()} {url} as the owner"


def test_lists_searches_and_exports_never_show_a_strangers_record(users, api_for):
    spec = _spec()
    owner, stranger = users["north_rep"], users["south_rep"]
    mark = registry.marker()
    for factory in {id(f.make): f.make for f in registry.OWNED.values()}.values():
        factory(owner, mark)
    api = api_for(stranger)
    checked = 0
    for path, method, _operation in _operations(spec):
        if method != "get" or registry.PATH_ID.search(path) or path in registry.ADMIN_ONLY:
            continue  # administrators-only collections are a 403 for the stranger: checked below
        params = registry.LIST_PARAMS.get(path) or ({"q": mark} if path.endswith("/search") else {})
        response = api.get(path, params)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        assert mark.encode() not in content, f"GET {path} leaked a record the user may not see"
        checked += 1
    owner_search = api_for(owner).get("/api/v1/search", {"q": mark}).content
    assert mark.encode() in owner_search, "the marker must be findable by its owner, or the leak check proves nothing"
    for path, params in registry.LIST_PARAMS.items():
        assert mark.encode() in api_for(owner).get(path, params).content, f"the owner must find the marker through {path}"
    assert checked >= 8


def test_bodies_pointing_at_invisible_records_are_refused(users, api_for):
    """Assigning my contact to your account (or any *_id to a record I can't see) is refused."""
    spec = _spec()
    owner, stranger = users["north_rep"], users["south_rep"]
    api = api_for(stranger)
    tried = 0
    for path, method, operation in _operations(spec):
        if method not in {"post", "patch"} or path in registry.ADMIN_ONLY_WRITES:
            continue
        if registry.PATH_ID.search(path) and path not in registry.OWNED:
            continue
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if not content:
            continue
        schema = content["schema"]
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        for field in schema.get("properties", {}):
            if not field.endswith("_id") or field in registry.NOT_CUSTOMER_REFERENCES:
                continue
            assert field in registry.FOREIGN_KEYS, f"{method.upper()} {path}: register what '{field}' points at"
            foreign = registry.FOREIGN_KEYS[field](owner, registry.marker())
            url = path
            if registry.PATH_ID.search(path):
                mine = registry.OWNED[path].make(stranger, registry.marker())
                url = registry.PATH_ID.sub(str(mine.pk), path)
            body = {**(_body(operation, spec) or {}), field: foreign.pk}
            before = registry.snapshot(foreign)
            response = _call(api, method, url, body)
            assert response.status_code in (404, 422), f"{method.upper()} {url} with {field}={foreign.pk}: {response.status_code}"
            if response.status_code == 422:
                assert field in response.json().get("errors", {}), response.json()
            assert registry.snapshot(foreign) == before
            tried += 1
    assert tried >= 5


NOT_ADMINISTRATORS = ("north_rep", "manager", "agent", "marketer", "analyst")


@pytest.mark.parametrize("path", sorted(registry.ADMIN_ONLY))
def test_administrators_only_paths_refuse_every_other_role_and_nothing_changes(path, users, api_for):
    """A collection is a 403 (the role may not), one message a 404 (nothing says it exists); the administrator reaches both."""
    from tests.security.test_pages_matrix import _row_counts

    spec = _spec()
    made = registry.ADMIN_ONLY[path]
    mark = registry.marker()
    record = made.make(users["north_rep"], mark) if made is not None else registry._skipped_mail(users["north_rep"], mark)
    url = registry.PATH_ID.sub(str(record.pk), path)
    refused = 404 if registry.PATH_ID.search(path) else 403
    for role in NOT_ADMINISTRATORS:
        api = api_for(users[role])
        for method, operation in spec["paths"][path].items():
            before, counts = registry.snapshot(record), _row_counts()
            response = _call(api, method, url, _body(operation, spec))
            assert response.status_code == refused, f"{method.upper()} {url} as {role}: {response.status_code} {response.content[:300]!r}"
            assert mark.encode() not in response.content, f"{method.upper()} {url} as {role} showed the message"
            assert registry.snapshot(record) == before, f"{method.upper()} {url} as {role} changed the row"
            assert _row_counts() == counts, f"{method.upper()} {url} as {role} wrote rows"
    admin = api_for(users["admin"])
    method = "get" if "get" in spec["paths"][path] else next(iter(spec["paths"][path]))
    reached = _call(admin, method, url, _body(spec["paths"][path][method], spec))
    assert reached.status_code not in (403, 404), f"{method.upper()} {url} as an administrator: {reached.status_code}"
    if method == "get":
        assert mark.encode() in reached.content, "the administrator must see the message, or the refusals prove nothing"


def test_directory_records_are_read_only_for_non_administrators(users, api_for, teams):
    api = api_for(users["north_rep"])
    assert api.patch(f"/api/v1/users/{users['south_rep'].pk}", {"first_name": "Hacked"}).status_code == 403
    assert api.delete(f"/api/v1/users/{users['south_rep'].pk}").status_code == 403
    assert api.patch(f"/api/v1/teams/{teams['south'].pk}", {"name": "Hacked"}).status_code == 403
    assert api.delete(f"/api/v1/teams/{teams['south'].pk}").status_code == 403
    users["south_rep"].refresh_from_db()
    teams["south"].refresh_from_db()
    assert (users["south_rep"].first_name, users["south_rep"].is_active, teams["south"].name) == ("", True, "South")
