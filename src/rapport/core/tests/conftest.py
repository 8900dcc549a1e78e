"""Fixtures for tests that start real ``rapport`` processes (workers, the web server) against the test database."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.utils import load_backend

ALIAS = "shared_with_processes"


@dataclass
class SharedDatabase:
    alias: str
    env: dict[str, str]


def process_env(var_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"RAPPORT_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "rapport.settings"})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.fixture
def shared_db(tmp_path: Path) -> Iterator[SharedDatabase]:
    if connection.vendor != "sqlite":
        s = connection.settings_dict
        url = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        yield SharedDatabase(alias="default", env=process_env(tmp_path, url))
        return
    # The in-memory test database, migrated by pytest-django, copied to a file the workers can open.
    db_file = tmp_path / "rapport.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(db_file) as target:
        connection.connection.backup(target)
    target.close()
    # A connection made here, not declared in settings: Django's test case lets such connections through.
    settings_dict = {**connection.settings_dict, "NAME": str(db_file)}
    connections[ALIAS] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, ALIAS)
    try:
        yield SharedDatabase(alias=ALIAS, env=process_env(tmp_path, None))
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
