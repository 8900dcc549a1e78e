"""How a person's name is shortened, the same in every layer's templates."""

from __future__ import annotations

from typing import Any


def initials(name: Any) -> str:
    """ "WZ" for Wei Zhang; the family name alone for a Chinese name (张伟 → 张); "?" for none."""
    text = str(name or "").strip()
    if not text:
        return "?"
    if has_cjk(text):
        return text[:1]
    parts = text.split()
    return "".join(p[0] for p in parts[:2]).upper()


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese character: one is a whole surname (张), where one Latin letter says little."""
    return any("\u3400" <= ch <= "\u9fff" for ch in text)
