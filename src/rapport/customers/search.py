"""The keys global search finds a customer by.

Each account, contact and lead gets a few lower-cased terms (its name, the
words of its name, its company, its email addresses) in ``SearchTerm``; search
is a prefix match on that indexed column, so it costs the same at a thousand
records and at ten million. Phone numbers are found through their E.164 form
in ``ContactPoint`` instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from rapport.customers.models import SearchTerm

_WORD = re.compile(r"[\w']+", re.UNICODE)
_MAX_TERM = 100


def fold(text: str) -> str:
    """Lower-case, accents removed (José -> jose), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def terms_for(*texts: str) -> set[str]:
    terms: set[str] = set()
    for text in texts:
        folded = fold(text)
        if not folded:
            continue
        terms.add(folded[:_MAX_TERM])
        for word in _WORD.findall(folded):
            terms.add(word[:_MAX_TERM])
        if "@" in folded:
            terms.add(folded.split("@", 1)[1][:_MAX_TERM])
    return {t for t in terms if t}


def _visibility(record: Any) -> dict[str, Any]:
    return {"owner_id": record.owner_id, "team_id": record.team_id, "shared_with_team": record.shared_with_team}


def index_record(*, record_type: str, record: Any, texts: Iterable[str]) -> None:
    """Replace the search terms of one record, with its owner, team and shared flag."""
    wanted = terms_for(*texts)
    visibility = _visibility(record)
    existing = {
        term: (owner_id, team_id, shared)
        for term, owner_id, team_id, shared in SearchTerm.objects.filter(record_type=record_type, record_id=record.pk).values_list(
            "term", "owner_id", "team_id", "shared_with_team"
        )
    }
    stale = existing.keys() - wanted
    if stale:
        SearchTerm.objects.filter(record_type=record_type, record_id=record.pk, term__in=stale).delete()
    if any(seen != tuple(visibility.values()) for term, seen in existing.items() if term in wanted):
        index_visibility(record_type=record_type, record=record)
    new = wanted - existing.keys()
    if new:
        SearchTerm.objects.bulk_create([SearchTerm(record_type=record_type, record_id=record.pk, term=t, **visibility) for t in new])


def index_visibility(*, record_type: str, record: Any) -> None:
    """Give the record's terms its current owner, team and shared flag (after a write that changed only those)."""
    SearchTerm.objects.filter(record_type=record_type, record_id=record.pk).update(**_visibility(record))


def unindex_record(*, record_type: str, record_id: int) -> None:
    SearchTerm.objects.filter(record_type=record_type, record_id=record_id).delete()
