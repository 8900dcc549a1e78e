"""The last segmentation fit, kept beside the warehouse as JSON, as the pages read it.

Apart from ``clustering`` (scikit-learn, pandas: seconds to import), so that the accounts list and the
segments page show the kept fit without loading the code that makes one.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _

from rapport.analytics.warehouse import warehouse_root

K_RANGE = (2, 8)
FIT_FILE = "segments.json"

# (recent, frequent, big spender) -> name
NAMES = {
    (True, True, True): _("Best customers"),
    (True, True, False): _("Frequent small buyers"),
    (True, False, True): _("New big spenders"),
    (True, False, False): _("New or occasional buyers"),
    (False, True, True): _("Lapsing high-value customers"),
    (False, True, False): _("Lapsing regulars"),
    (False, False, True): _("Lost big spenders"),
    (False, False, False): _("Dormant low-value customers"),
}


def cluster_name(name_key: str) -> str:
    """The translated name of a profile key such as "recent-frequent-big"."""
    recent, frequent, big = name_key.split("-")[:3]
    return str(NAMES[(recent == "recent", frequent == "frequent", big == "big")])


def segments_latest() -> dict[str, Any] | None:
    """The last fit kept beside the warehouse, with each cluster's translated name, or None."""
    path = warehouse_root() / FIT_FILE
    try:
        fit: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    for cluster in fit["clusters"]:
        cluster["name"] = cluster_name(cluster["name_key"])
    return fit
