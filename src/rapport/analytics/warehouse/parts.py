"""Parquet part files written the same way every time, so equal data give equal bytes.

Rows arrive sorted by key; a part holds at most ``PART_ROWS`` rows in row groups of ``ROW_GROUP_ROWS``,
compressed with zstd at a fixed level, without pandas metadata or statistics that vary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

PART_ROWS = 1_000_000
ROW_GROUP_ROWS = 128 * 1024
_WRITE_OPTIONS = {"compression": "zstd", "compression_level": 3, "use_dictionary": True, "write_statistics": True}


class PartWriter:
    """Cuts a stream of record batches into part files ``<prefix>-00000.parquet``, ``-00001``..."""

    def __init__(self, directory: Path, prefix: str, schema: pa.Schema, *, part_rows: int = PART_ROWS):
        self.directory = directory
        self.prefix = prefix
        self.schema = schema
        self.part_rows = part_rows
        self.parts: list[str] = []
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._in_part = 0
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0

    def write(self, table: pa.Table) -> None:
        for batch in table.cast(self.schema).to_batches():
            self._pending.append(batch)
            self._pending_rows += batch.num_rows
            while self._pending_rows >= min(ROW_GROUP_ROWS, self.part_rows - self._in_part):
                self._flush(min(ROW_GROUP_ROWS, self.part_rows - self._in_part))

    def close(self) -> list[str]:
        while self._pending_rows:
            self._flush(min(self._pending_rows, ROW_GROUP_ROWS, self.part_rows - self._in_part))
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return self.parts

    def _flush(self, rows: int) -> None:
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        head, rest = table.slice(0, rows), table.slice(rows)
        self._pending = rest.to_batches()
        self._pending_rows = rest.num_rows
        if self._writer is None:
            name = f"{self.prefix}-{len(self.parts):05d}.parquet"
            self._writer = pq.ParquetWriter(self.directory / name, self.schema, **_WRITE_OPTIONS)  # type: ignore[arg-type]
            self.parts.append(name)
        self._writer.write_table(head.combine_chunks(), row_group_size=ROW_GROUP_ROWS)
        self._in_part += rows
        self.rows += rows
        if self._in_part >= self.part_rows:
            self._writer.close()
            self._writer = None
            self._in_part = 0


def write_table(directory: Path, prefix: str, table: pa.Table) -> list[str]:
    """The whole table as parts; an empty table still gets one (empty) file, so readers see its columns."""
    writer = PartWriter(directory, prefix, table.schema)
    writer.write(table)
    written = writer.close()
    if written:
        return written
    name = f"{prefix}-00000.parquet"
    pq.write_table(table, directory / name, **_WRITE_OPTIONS)  # type: ignore[arg-type]
    return [name]


def link_or_copy(source: Path, target: Path) -> None:
    """An unchanged part is shared with the previous version (a hard link costs no space)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def read_keys(path: Path, key: str) -> npt.NDArray[np.int64]:
    return pq.read_table(path, columns=[key]).column(key).to_numpy().astype(np.int64, copy=False)


def rewrite_without(source: Path, target: Path, key: str, keep: npt.NDArray[np.bool_]) -> int:
    """Copy a part keeping only the rows where ``keep`` is true; returns the rows kept."""
    table = pq.read_table(source)
    kept = table.filter(pa.array(keep))
    if kept.num_rows:
        with pq.ParquetWriter(target, table.schema, **_WRITE_OPTIONS) as writer:  # type: ignore[arg-type]
            writer.write_table(kept, row_group_size=ROW_GROUP_ROWS)
    return kept.num_rows


def batches_of(rows: Iterable[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
