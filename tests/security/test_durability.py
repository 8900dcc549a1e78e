"""Writes are never lost.

SQLite: the settings really give WAL, a busy timeout and BEGIN IMMEDIATE, and
eight processes writing at once through the service see no "database is
locked" and every row is there. PostgreSQL: a private throwaway cluster (never
the shared server) is killed with -9 in the middle of a write load; after the
restart every id a writer saw committed is in the table.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 8
PER_WRITER = 200


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "DJANGO_SETTINGS_MODULE": "rapport.settings", "PYTHONPATH": str(ROOT), **extra}


def _run(args: list[str], env: dict[str, str], timeout: int = 180) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tests.security.durability_writer", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _ledger_ids(folder: Path) -> list[int]:
    return [int(line) for path in folder.glob("ledger-*.txt") for line in path.read_text().split()]


@pytest.mark.slow
def test_sqlite_concurrent_writers_lose_nothing_and_never_see_a_lock(tmp_path):
    env = _env(RAPPORT_VAR_DIR=str(tmp_path))
    _run(["setup"], env)
    pragmas = json.loads(_run(["pragmas"], env))
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 20000, "transaction_mode": "IMMEDIATE"}
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.security.durability_writer",
                "write",
                f"w{i}",
                str(PER_WRITER),
                str(tmp_path / f"ledger-{i}.txt"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WRITERS)
    ]
    outputs = [w.communicate(timeout=300) for w in writers]
    assert [w.returncode for w in writers] == [0] * WRITERS, outputs
    assert all(out == "" for out, _err in outputs), [out for out, _ in outputs if out]  # no error of any kind, "locked" included
    ids = _ledger_ids(tmp_path)
    assert len(ids) == len(set(ids)) == WRITERS * PER_WRITER
    import sqlite3

    with sqlite3.connect(tmp_path / "rapport.sqlite3") as db:
        stored = {row[0] for row in db.execute("SELECT id FROM customers_contact")}
        names = db.execute("SELECT COUNT(DISTINCT last_name) FROM customers_contact").fetchone()[0]
    assert stored == set(ids)
    assert names == WRITERS * PER_WRITER


def _initdb() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root: the cluster belongs to the postgres system user then.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.slow
@pytest.mark.skipif(_initdb() is None, reason="PostgreSQL's initdb is not installed (Debian: apt-get install postgresql)")
def test_postgresql_killed_with_minus_9_keeps_every_committed_row(tmp_path):
    bin_dir = Path(_initdb()).parent
    cluster = Path(tempfile.mkdtemp(prefix="rapport-crash-", dir="/tmp"))
    data = cluster / "data"
    if os.geteuid() == 0:
        shutil.chown(cluster, "postgres", "postgres")
    port = _free_port()
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(cluster / "log"), "-w", "-t", "60"]
    options = f"-p {port} -k {cluster} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"
    try:
        subprocess.run(
            _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]),
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(_as_postgres([*pg_ctl, "-o", options, "start"]), check=True, capture_output=True, timeout=90)
        subprocess.run(
            _as_postgres([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "crash"]), check=True, timeout=60
        )
        env = _env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/crash", RAPPORT_VAR_DIR=str(tmp_path), CONN_MAX_AGE="0")
        _run(["setup"], env)
        writers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.security.durability_writer", "write", f"w{i}", "100000", str(tmp_path / f"ledger-{i}.txt")],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(4)
        ]
        deadline = time.monotonic() + 180  # writers start slowly when the cores are shared
        while len(_ledger_ids(tmp_path)) < 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
        victims = [postmaster, *_children(postmaster)]
        for pid in victims:  # the whole server at once, as a crash would
            os.kill(pid, signal.SIGKILL)
        outputs = [w.communicate(timeout=60) for w in writers]
        committed = set(_ledger_ids(tmp_path))
        assert len(committed) >= 200, outputs
        assert any(out for out, _ in outputs), "writers should have seen the server go away mid-load"
        for _ in range(50):  # the killed processes must be gone before the data directory is reused
            if not any(Path(f"/proc/{pid}").exists() for pid in victims):
                break
            time.sleep(0.1)
        subprocess.run(_as_postgres([*pg_ctl, "-o", options, "start"]), check=True, capture_output=True, timeout=90)
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/crash") as db:
            stored = {row[0] for row in db.execute("SELECT id FROM customers_contact")}
        assert committed <= stored, f"{len(committed - stored)} committed rows lost"
        assert (
            "database system was interrupted" in (cluster / "log").read_text() or "not properly shut down" in (cluster / "log").read_text()
        )
    finally:
        subprocess.run(_as_postgres([*pg_ctl, "-m", "immediate", "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(cluster, ignore_errors=True)
