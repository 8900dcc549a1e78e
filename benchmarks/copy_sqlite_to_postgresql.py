"""Copy a benchmark data set from SQLite into PostgreSQL with COPY.

Generating 1,000,000 demo contacts costs Python time per row (names, phone
formatting, audit entries) that is the same for both databases; on a shared
2-core machine it takes an hour per database. The PostgreSQL benchmarks
measure queries, not the generator, so they can run on a copy of the very
rows the SQLite load made:

    .venv/bin/python benchmarks/copy_sqlite_to_postgresql.py \\
        --sqlite $TMPDIR/rapport-bench/sqlite/rapport.sqlite3 \\
        --postgresql postgres://postgres@127.0.0.1:5432/rapport_bench
    .venv/bin/python benchmarks/foundation_1m_contacts.py --db postgresql --measure-only

The target database is created when missing and migrated by Django (the
same migrations as the SQLite file). Its secondary indexes are dropped (their
definitions kept in the table ``bench_copy_index``), each table is emptied and
copied in one transaction with foreign-key triggers off for the session, then
the indexes are built once: building an index over a loaded table is several
times faster than maintaining it row by row. Sequences are set past the
highest id.

The copy resumes: a table whose copy committed is recorded in
``bench_copy_table`` and skipped by the next run, and indexes still waiting in
``bench_copy_index`` are built. ``--fresh`` drops the database first.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from psycopg import sql
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", required=True, help="the SQLite file a benchmark loaded")
    parser.add_argument("--postgresql", required=True, help="the target database URL (created when missing)")
    parser.add_argument("--fresh", action="store_true", help="drop the target database first instead of resuming")
    return parser.parse_args(argv)


def _create_and_migrate(url: str, *, fresh: bool) -> None:
    name = urlparse(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "rapport.settings"}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], env=env, check=True)


_STATE = {"bench_copy_table", "bench_copy_index"}


def _tables(source: sqlite3.Connection, target: psycopg.Connection) -> list[str]:
    in_target = {row[0] for row in target.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    in_source = [row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return [t for t in in_source if t in in_target and t != "django_migrations" and t not in _STATE]


def _drop_secondary_indexes(target: psycopg.Connection) -> None:
    """Keep the definitions of the indexes no constraint needs, then drop them (once: a resumed copy finds them kept)."""
    target.execute("CREATE TABLE IF NOT EXISTS bench_copy_table (name text PRIMARY KEY, rows bigint NOT NULL)")
    target.execute("CREATE TABLE IF NOT EXISTS bench_copy_index (name text PRIMARY KEY, definition text NOT NULL)")
    indexes = target.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename NOT LIKE 'bench_copy_%%'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """
    ).fetchall()
    for name, definition in indexes:
        target.execute("INSERT INTO bench_copy_index (name, definition) VALUES (%s, %s) ON CONFLICT DO NOTHING", [name, definition])
        target.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    target.commit()


def _build_indexes(target: psycopg.Connection) -> None:
    target.execute("SET maintenance_work_mem = '1GB'")
    waiting = target.execute("SELECT name, definition FROM bench_copy_index ORDER BY name").fetchall()
    for name, definition in tqdm(waiting, desc="indexes", unit=" index"):
        target.execute(definition)
        target.execute("DELETE FROM bench_copy_index WHERE name = %s", [name])
        target.commit()


def _columns(target: psycopg.Connection, table: str) -> list[str]:
    rows = target.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _copy_table(source: sqlite3.Connection, target: psycopg.Connection, table: str) -> int:
    done = target.execute("SELECT rows FROM bench_copy_table WHERE name = %s", [table]).fetchone()
    if done:
        return int(done[0])
    columns = _columns(target, table)
    total = source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - table names come from sqlite_master
    # What the migrations wrote (content types, permissions); DELETE, not TRUNCATE, which
    # would cascade to tables already copied. Foreign-key triggers are off for the session.
    target.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    target.execute("INSERT INTO bench_copy_table (name, rows) VALUES (%s, %s)", [table, total])
    if not total:
        target.commit()
        return 0
    select = f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{table}"'  # noqa: S608
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    cursor = source.execute(select)
    with tqdm(total=total, desc=f"{table[:28]:28}", unit=" rows") as bar, target.cursor() as pg, pg.copy(copy) as out:
        while chunk := cursor.fetchmany(CHUNK):
            for row in chunk:
                out.write_row(row)
            bar.update(len(chunk))
    target.commit()  # the table, its rows and its "done" mark together
    return int(total)


def _reset_sequences(target: psycopg.Connection) -> None:
    owned = target.execute(
        """
        SELECT t.relname, a.attname, s.relname
        FROM pg_class s
        JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE s.relkind = 'S'
        """
    ).fetchall()
    for table, column, sequence in owned:
        target.execute(
            sql.SQL("SELECT setval({}, COALESCE((SELECT max({}) FROM {}), 0) + 1, false)").format(
                sql.Literal(sequence), sql.Identifier(column), sql.Identifier(table)
            )
        )


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.monotonic()
    _create_and_migrate(args.postgresql, fresh=args.fresh)
    source = sqlite3.connect(f"file:{args.sqlite}?mode=ro", uri=True)
    with psycopg.connect(args.postgresql) as target:
        target.execute("SET TIME ZONE 'UTC'")  # Django keeps UTC datetimes in SQLite without an offset
        target.execute("SET synchronous_commit TO off")
        # Foreign keys hold in the source, which Django's constraints checked as it was written.
        target.execute("SET session_replication_role = replica")
        _drop_secondary_indexes(target)
        tables = _tables(source, target)
        copied = {table: _copy_table(source, target, table) for table in tables}
        _build_indexes(target)
        _reset_sequences(target)
        target.execute("DROP TABLE bench_copy_table, bench_copy_index")
        target.commit()
    with psycopg.connect(args.postgresql, autocommit=True) as target:
        print("VACUUM ANALYZE ...", flush=True)
        target.execute("VACUUM ANALYZE")
    print(f"copied {sum(copied.values()):,} rows in {len(copied)} tables in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
