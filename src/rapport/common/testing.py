"""Helpers for Rapport's tests: an API client that carries a bearer token."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


class ApiClient:
    """Calls /api/v1/ as one user, with a real token issued through the service."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        url = path if path.startswith("/") else f"/api/v1/{path}"
        extra = {**self.headers, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}}
        fn = getattr(self.client, method)
        if method in {"post", "patch", "put"}:
            return fn(url, json.dumps(data if data is not None else {}), content_type="application/json", **extra)
        if method == "delete":
            return fn(url, **extra)
        return fn(url, data or {}, **extra)

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self._call("get", path, params, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("post", path, data, **kw)

    def upload(self, path: str, filename: str, content: bytes, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        """POST a multipart form with one file (field ``file``) and the other ``data`` fields."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        url = path if path.startswith("/") else f"/api/v1/{path}"
        extra = {**self.headers, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (kw.get("headers") or {}).items()}}
        return self.client.post(url, {**(data or {}), "file": SimpleUploadedFile(filename, content)}, **extra)

    def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("patch", path, data, **kw)

    def put(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("put", path, data, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self._call("delete", path, None, **kw)


def signed_in(user: Any) -> Client:
    """A browser (Django's test client) with a session for ``user``."""
    client = Client()
    client.force_login(user)
    return client
