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


def index_record(*, record_type: str, record_id: int, texts: Iterable[str]) -> None:
    """Replace the search terms of one record."""
    wanted = terms_for(*texts)
    existing = set(SearchTerm.objects.filter(record_type=record_type, record_id=record_id).values_list("term", flat=True))
    stale = existing - wanted
    if stale:
        SearchTerm.objects.filter(record_type=record_type, record_id=record_id, term__in=stale).delete()
    new = wanted - existing
    if new:
        SearchTerm.objects.bulk_create([SearchTerm(record_type=record_type, record_id=record_id, term=t) for t in new])


def unindex_record(*, record_type: str, record_id: int) -> None:
    SearchTerm.objects.filter(record_type=record_type, record_id=record_id).delete()
