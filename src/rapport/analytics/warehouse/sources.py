"""The registry of warehouse tables: each is a small function that says where its rows come from.

An *extracted* table reads one queryset: its columns are ``values_list`` fields (each with an Arrow
type), its key is the primary key, and ``changed`` names the timestamp that tells which rows changed
since the last build. A *derived* table (the date and channel dimensions) is computed from the other
tables of the build or from code, and rewritten every time.

Register with the decorators; the build imports ``rapport.analytics.warehouse.extractors`` so every
table is known::

    @extracted("fact_interaction", key="interaction_id")
    def interactions() -> Extract:
        return Extract(queryset=Interaction.objects.all(), columns=[Col("interaction_id", "id", pa.int64()), ...])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db.models import QuerySet


@dataclass(frozen=True)
class Col:
    """One warehouse column: its name, the ``values_list`` field it comes from, its Arrow type."""

    name: str
    source: str
    type: pa.DataType


@dataclass(frozen=True)
class Extract:
    queryset: QuerySet[Any]
    columns: Sequence[Col]
    # Timestamps that move when a row's warehouse columns may change (an order line also changes with its order).
    changed: Sequence[str] = ("updated_at",)
    # Columns computed from the extracted ones (e.g. a date key from a timestamp), vectorised on a batch.
    derive: Callable[[pa.Table], pa.Table] | None = None
    derived_columns: Sequence[pa.Field] = ()

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type) for c in self.columns] + list(self.derived_columns))


@dataclass(frozen=True)
class ExtractedTable:
    name: str
    key: str
    extract: Callable[[], Extract]


@dataclass(frozen=True)
class DerivedTable:
    name: str
    key: str
    # Gets the build's directory (tables already written there) and returns the whole table.
    compute: Callable[[Path], pa.Table]


@dataclass
class Registry:
    extracted: dict[str, ExtractedTable] = field(default_factory=dict)
    derived: dict[str, DerivedTable] = field(default_factory=dict)

    def names(self) -> list[str]:
        return sorted([*self.extracted, *self.derived])


registry = Registry()


def _check_new(name: str) -> None:
    if name in registry.extracted or name in registry.derived:
        raise ValueError(f"Two warehouse tables are named {name!r}")


def extracted(name: str, *, key: str) -> Callable[[Callable[[], Extract]], Callable[[], Extract]]:
    def register(function: Callable[[], Extract]) -> Callable[[], Extract]:
        _check_new(name)
        registry.extracted[name] = ExtractedTable(name=name, key=key, extract=function)
        return function

    return register


def derived(name: str, *, key: str) -> Callable[[Callable[[Path], pa.Table]], Callable[[Path], pa.Table]]:
    def register(function: Callable[[Path], pa.Table]) -> Callable[[Path], pa.Table]:
        _check_new(name)
        registry.derived[name] = DerivedTable(name=name, key=key, compute=function)
        return function

    return register
