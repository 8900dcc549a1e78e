"""Reading what ``prefetch_related`` already loaded, without building a query for it.

``record.tags.all()`` on a prefetched record answers from memory but still clones a QuerySet (about 20 µs):
three per row, 50 rows a page, was a tenth of the API list's time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def prefetched(record: Any, relation: str) -> Iterable[Any]:
    """The related rows of ``record``: from the prefetch cache when loaded, else from the database."""
    cached = getattr(record, "_prefetched_objects_cache", None)
    if cached is not None and relation in cached:
        return cached[relation]  # a QuerySet whose rows are loaded: iterating it runs no query
    return getattr(record, relation).all()  # type: ignore[no-any-return]
