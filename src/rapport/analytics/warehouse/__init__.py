"""The analytical warehouse: a customer-centric star schema of Parquet files (see ``build``)."""

from typing import Any

from rapport.analytics.warehouse.versions import WarehouseBusy, current_version, read_manifest, warehouse_root, warehouse_status

__all__ = ["WarehouseBusy", "current_version", "read_manifest", "warehouse_build", "warehouse_root", "warehouse_status"]


def __getattr__(name: str) -> Any:
    # The builder needs NumPy and Arrow (seconds to import): loaded when a build is asked for, not by every page.
    if name == "warehouse_build":
        from rapport.analytics.warehouse.build import warehouse_build

        return warehouse_build
    raise AttributeError(name)
