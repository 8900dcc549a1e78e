"""The warehouse as Ibis tables, on DuckDB by default or on any Ibis backend (PySpark for big bases).

The models (``rfm``, ``cohorts``, ``arpu``) are functions from Ibis tables to Ibis expressions; they
never name a backend. ``open_warehouse()`` reads the current version's Parquet files with DuckDB in
this process; ``open_warehouse(backend=ibis.pyspark.connect(session))`` reads the same files with
Spark, and the same expressions run there unchanged (``tests/test_engine_parity.py`` checks it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapport.common.errors import NotFound

# Ibis, DuckDB and the warehouse writer (NumPy, Arrow) take seconds to import; every web process and
# worker imports this module (for WarehouseMissing), so they are imported when a warehouse is opened.
if TYPE_CHECKING:
    import ibis
    from ibis.backends import BaseBackend


class WarehouseMissing(NotFound):
    title = "No warehouse yet"


class Warehouse:
    """One warehouse version, pinned when opened: a build finishing meanwhile does not change what it reads."""

    def __init__(self, backend: BaseBackend, root: Path, version: str, manifest: dict[str, Any]):
        self.backend = backend
        self.root = root
        self.version = version
        self.manifest = manifest
        self._tables: dict[str, ibis.Table] = {}

    def table(self, name: str) -> ibis.Table:
        if name not in self.manifest["tables"]:
            raise WarehouseMissing(f"The warehouse has no table {name!r}; a newer Rapport may need a full build.")
        if name not in self._tables:
            pattern = str(self.root / self.version / name / "*.parquet")
            self._tables[name] = self.backend.read_parquet(pattern, table_name=f"{name}_{self.version}")
        return self._tables[name]

    def execute(self, expression: ibis.Expr) -> Any:
        return self.backend.execute(expression)

    def rows(self, expression: ibis.Table) -> list[dict[str, Any]]:
        """The result as plain dicts (None for missing values), in the expression's order."""
        frame = self.backend.execute(expression)
        records: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        return records


def open_warehouse(*, backend: BaseBackend | None = None, root: Path | None = None) -> Warehouse:
    from rapport.analytics.warehouse import current_version, read_manifest, warehouse_root

    root = root or warehouse_root()
    version = current_version(root)
    if version is None:
        raise WarehouseMissing("No warehouse yet: build it from the analytics page or with `rapport warehouse build`.")
    manifest = read_manifest(root, version)
    assert manifest is not None
    if backend is None:
        import ibis

        backend = ibis.duckdb.connect()
    return Warehouse(backend, root, version, manifest)
