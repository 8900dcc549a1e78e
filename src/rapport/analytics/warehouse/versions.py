"""Where the warehouse lives and which version is current: what pages read without building anything.

Kept apart from ``build`` so that a page showing the warehouse's status does not import NumPy and Arrow.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from rapport.common.errors import RapportError

MANIFEST = "manifest.json"


class WarehouseBusy(RapportError):
    status = 409
    title = "A warehouse build is already running"


def warehouse_root() -> Path:
    return Path(settings.RAPPORT_WAREHOUSE_DIR)


def current_version(root: Path | None = None) -> str | None:
    try:
        version = ((root or warehouse_root()) / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    return version or None


def read_manifest(root: Path | None = None, version: str | None = None) -> dict[str, Any] | None:
    root = root or warehouse_root()
    version = version or current_version(root)
    if version is None:
        return None
    manifest: dict[str, Any] = json.loads((root / version / MANIFEST).read_text())
    return manifest


def warehouse_status(root: Path | None = None) -> dict[str, Any] | None:
    """The current version, when it was built and each table's rows; None before the first build."""
    manifest = read_manifest(root)
    if manifest is None:
        return None
    return {
        "version": manifest["version"],
        "built_at": datetime.fromisoformat(manifest["built_at"]),
        "full": manifest["full"],
        "tables": {name: entry["rows"] for name, entry in sorted(manifest["tables"].items())},
    }
