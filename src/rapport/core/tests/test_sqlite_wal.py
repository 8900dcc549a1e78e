"""A new SQLite file is switched to WAL by whichever connection finds it in the old mode first, however
many web processes open it at once (two workers' first requests: one of them got "database is locked")."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from django.db.utils import ConnectionHandler


def test_connections_opening_a_new_file_at_once_all_succeed_and_leave_it_in_wal_mode(tmp_path: Path, django_db_blocker: Any) -> None:
    failures: list[str] = []
    modes: set[str] = set()
    with django_db_blocker.unblock():
        for trial in range(30):  # the race lost about one trial in forty before the retry
            path = tmp_path / f"new{trial}.sqlite3"
            with sqlite3.connect(path) as made:
                made.execute("CREATE TABLE t (x)")
            made.close()
            start = threading.Barrier(4)

            def open_it(path: Path = path, start: threading.Barrier = start) -> None:
                handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}})
                connection = handler["default"]
                start.wait()
                try:
                    connection.ensure_connection()  # connection_created switches the mode
                    with connection.cursor() as cursor:
                        cursor.execute("PRAGMA journal_mode")
                        modes.add(cursor.fetchone()[0])
                except Exception as exc:
                    failures.append(repr(exc))
                finally:
                    connection.close()

            threads = [threading.Thread(target=open_it) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert failures == []
    assert modes == {"wal"}
