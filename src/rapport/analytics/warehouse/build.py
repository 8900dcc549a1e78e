"""Building the warehouse: extract, write a new version, switch ``CURRENT`` when it is complete.

Layout under the warehouse directory::

    CURRENT                 the version readers open ("v000007"), replaced atomically
    v000007/manifest.json   tables, their part files, row counts and watermarks
    v000007/<table>/*.parquet

A build writes a new version directory and replaces ``CURRENT`` (``os.replace``) only at the end, so a
build that dies half-way leaves the previous version readable; its leftovers are removed by the next
build. The version before the current one is kept for readers that opened it just before the switch.

A full build extracts every row, sorted by key, into parts written the same way every time (see
``parts``): two full builds of the same data are byte-identical. An incremental build extracts the rows
whose ``changed`` timestamp is after the previous watermark, writes them as new parts, and carries the
previous parts over: unchanged parts as hard links, a part holding rows that changed or were deleted
rewritten without them. The table then holds each live row exactly once, as after a full build.

The watermark is the latest timestamp the build saw, but never later than the build's start minus
``OVERLAP``: a transaction still open during a build may commit rows stamped before the rows the build
read, and the overlap extracts such rows again next time (a row seen twice is replaced by key).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from rapport.analytics.warehouse import parts
from rapport.analytics.warehouse.sources import Extract, ExtractedTable, registry
from rapport.analytics.warehouse.versions import MANIFEST, WarehouseBusy, current_version, read_manifest, warehouse_root

FORMAT = 1
OVERLAP = timedelta(minutes=10)
CHUNK_ROWS = 20_000

Progress = Callable[[str, int, int], None]  # (step, rows done, rows in total)


@contextlib.contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    with (root / ".lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy("Another warehouse build is running; try again when it has finished.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _versions(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("v") and p.name[1:].isdigit())


def warehouse_build(*, full: bool = False, root: Path | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Build a new warehouse version (incremental unless ``full`` or there is none yet); returns its manifest."""
    from rapport.analytics.warehouse import extractors  # noqa: F401  (registers the tables)

    root = root or warehouse_root()
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(root):
        current = current_version(root)
        previous = None if full or current is None else read_manifest(root, current)
        if previous is not None and previous.get("format") != FORMAT:
            previous = None
        for leftover in _versions(root):
            if current is None or leftover > current:
                shutil.rmtree(root / leftover)
        existing = _versions(root)
        version = f"v{int(existing[-1][1:]) + 1 if existing else 1:06d}"
        target = root / version
        target.mkdir()
        started = timezone.now()
        plans = [_plan(table, previous, started) for table in sorted(registry.extracted.values(), key=lambda t: t.name)]
        tracker = _Tracker(progress, total=sum(plan.count for plan in plans))
        tables: dict[str, Any] = {}
        for plan in plans:
            tables[plan.table.name] = _extract(plan, target, version, root / current if previous and current else None, tracker)
        for name in sorted(registry.derived):
            spec = registry.derived[name]
            tracker.step(name)
            (target / name).mkdir()
            computed = spec.compute(target)
            tables[name] = {"key": spec.key, "parts": parts.write_table(target / name, "full", computed), "rows": computed.num_rows}
        manifest = {
            "format": FORMAT,
            "version": version,
            "built_at": timezone.now().isoformat(),
            "full": previous is None,
            "tables": tables,
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        pointer = root / "CURRENT.tmp"
        pointer.write_text(version + "\n")
        os.replace(pointer, root / "CURRENT")
        for old in _versions(root)[:-2]:
            shutil.rmtree(root / old, ignore_errors=True)
        tracker.step("done")
        return manifest


class _Tracker:
    def __init__(self, progress: Progress | None, *, total: int):
        self.progress = progress
        self.total = total
        self.done = 0
        self.name = ""

    def step(self, name: str) -> None:
        self.name = name
        if self.progress:
            self.progress(name, self.done, self.total)

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.progress:
            self.progress(self.name, self.done, self.total)


class _Plan:
    def __init__(self, table: ExtractedTable, extract: Extract, since: datetime | None, watermark: datetime | None, count: int):
        self.table = table
        self.extract = extract
        self.since = since
        self.watermark = watermark
        self.count = count
        self.previous: dict[str, Any] | None = None


def _plan(table: ExtractedTable, previous: dict[str, Any] | None, started: datetime) -> _Plan:
    extract = table.extract()
    entry = (previous or {}).get("tables", {}).get(table.name)
    since = None
    if entry is not None and entry.get("watermark"):
        since = datetime.fromisoformat(entry["watermark"])
    seen = [m for m in extract.queryset.aggregate(*[Max(field) for field in extract.changed]).values() if m is not None]
    watermark = min(max(seen), started - OVERLAP) if seen else None
    plan = _Plan(table, extract, since, watermark, _changed(extract, since).count())
    plan.previous = entry
    return plan


def _changed(extract: Extract, since: datetime | None) -> QuerySet[Any]:
    if since is None:
        return extract.queryset
    condition = Q()
    for field in extract.changed:
        condition |= Q(**{f"{field}__gt": since})
    return extract.queryset.filter(condition)


def _extract(plan: _Plan, target: Path, version: str, previous_dir: Path | None, tracker: _Tracker) -> dict[str, Any]:
    extract, key = plan.extract, plan.table.key
    directory = target / plan.table.name
    directory.mkdir()
    tracker.step(plan.table.name)
    incremental = plan.previous is not None and previous_dir is not None
    queryset = _changed(extract, plan.since)
    writer = parts.PartWriter(directory, version if incremental else "full", extract.schema)
    changed_keys: list[npt.NDArray[np.int64]] = []
    rows = queryset.order_by("pk").values_list(*[c.source for c in extract.columns]).iterator(chunk_size=CHUNK_ROWS)
    for batch in parts.batches_of(rows, CHUNK_ROWS):
        table = _to_arrow(extract, batch)
        writer.write(table)
        if incremental:
            changed_keys.append(table.column(key).to_numpy().astype(np.int64, copy=False))
        tracker.advance(len(batch))
    new_parts = writer.close()
    kept_parts: list[str] = []
    kept_rows = 0
    if incremental:
        assert plan.previous is not None and previous_dir is not None
        changed = np.concatenate(changed_keys) if changed_keys else np.empty(0, np.int64)
        live = np.fromiter(extract.queryset.values_list("pk", flat=True).iterator(chunk_size=CHUNK_ROWS), dtype=np.int64)
        for name in plan.previous["parts"]:
            source = previous_dir / plan.table.name / name
            keys = parts.read_keys(source, key)
            keep = np.isin(keys, live, assume_unique=True) & ~np.isin(keys, changed)
            if keep.all():
                parts.link_or_copy(source, directory / name)
                kept_parts.append(name)
                kept_rows += len(keys)
            elif keep.any():
                kept_rows += parts.rewrite_without(source, directory / name, key, keep)
                kept_parts.append(name)
    all_parts = kept_parts + new_parts
    if not all_parts:
        all_parts = parts.write_table(directory, "full", extract.schema.empty_table())
    return {
        "key": key,
        "parts": all_parts,
        "rows": kept_rows + writer.rows,
        "watermark": plan.watermark.isoformat() if plan.watermark else None,
    }


def _to_arrow(extract: Extract, batch: list[tuple[object, ...]]) -> pa.Table:
    values = list(zip(*batch, strict=True))
    table = pa.table({c.name: pa.array(values[i], type=c.type) for i, c in enumerate(extract.columns)})
    if extract.derive is not None:
        table = extract.derive(table)
    return table.select(extract.schema.names)
