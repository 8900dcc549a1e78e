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

The target database is created and migrated by Django (the same migrations as
the SQLite file), every table is emptied, then each table is copied in
chunks with foreign-key triggers off for the session; sequences are set past
the highest id. Run it again to start over.
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
    return parser.parse_args(argv)


def _create_and_migrate(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "rapport.settings"}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], env=env, check=True)


def _tables(source: sqlite3.Connection, target: psycopg.Connection) -> list[str]:
    in_target = {row[0] for row in target.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    in_source = [row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return [t for t in in_source if t in in_target and t != "django_migrations"]


def _columns(target: psycopg.Connection, table: str) -> list[str]:
    rows = target.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _copy_table(source: sqlite3.Connection, target: psycopg.Connection, table: str) -> int:
    columns = _columns(target, table)
    total = source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - table names come from sqlite_master
    if not total:
        return 0
    select = f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{table}"'  # noqa: S608
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    cursor = source.execute(select)
    with tqdm(total=total, desc=f"{table[:28]:28}", unit=" rows") as bar, target.cursor() as pg, pg.copy(copy) as out:
        while chunk := cursor.fetchmany(CHUNK):
            for row in chunk:
                out.write_row(row)
            bar.update(len(chunk))
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
    _create_and_migrate(args.postgresql)
    source = sqlite3.connect(f"file:{args.sqlite}?mode=ro", uri=True)
    with psycopg.connect(args.postgresql) as target:
        target.execute("SET TIME ZONE 'UTC'")  # Django keeps UTC datetimes in SQLite without an offset
        target.execute("SET session_replication_role = replica")  # foreign keys hold in the source; check them once below
        tables = _tables(source, target)
        target.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
        copied = {table: _copy_table(source, target, table) for table in tables}
        _reset_sequences(target)
        target.commit()
        target.execute("SET session_replication_role = DEFAULT")
    with psycopg.connect(args.postgresql, autocommit=True) as target:
        print("ANALYZE ...", flush=True)
        target.execute("VACUUM ANALYZE")
    print(f"copied {sum(copied.values()):,} rows in {len(copied)} tables in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
