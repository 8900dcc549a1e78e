"""The analytical warehouse: a customer-centric star schema of Parquet files (see ``build``)."""

from rapport.analytics.warehouse.build import (
    WarehouseBusy,
    current_version,
    read_manifest,
    warehouse_build,
    warehouse_root,
    warehouse_status,
)

__all__ = ["WarehouseBusy", "current_version", "read_manifest", "warehouse_build", "warehouse_root", "warehouse_status"]
