"""Leads from vCard files (2.1, 3.0 and 4.0): the business cards a phone or a card scanner exports.

One file holds any number of cards. Folded lines (a line starting with a
space or tab continues the previous one) are joined, and so are
quoted-printable soft line breaks; ``ENCODING=QUOTED-PRINTABLE`` values are
decoded in their ``CHARSET`` (UTF-8 when none is given). Read: FN, N, ORG,
TITLE, TEL, EMAIL, ADR, NOTE, CATEGORIES (as tags) and X-INDUSTRY. Photos and
other properties are skipped.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass, field

from rapport.customers.lead_files.common import MAX_ROWS, LeadFileError, ParsedFile, ParsedRow, check_size, decode

LINE_BREAK = re.compile(r"\r\n|\r|\n")
TEL_LABELS = {"cell": "mobile", "mobile": "mobile", "work": "work", "home": "home", "fax": "fax", "main": "work"}
COUNTRIES = {
    "china": "CN",
    "中国": "CN",
    "prc": "CN",
    "people's republic of china": "CN",
    "中华人民共和国": "CN",
    "hong kong": "HK",
    "香港": "HK",
    "taiwan": "TW",
    "台湾": "TW",
    "singapore": "SG",
    "新加坡": "SG",
    "japan": "JP",
    "日本": "JP",
    "korea": "KR",
    "south korea": "KR",
    "韩国": "KR",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "美国": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "英国": "GB",
    "germany": "DE",
    "deutschland": "DE",
    "德国": "DE",
    "france": "FR",
    "法国": "FR",
    "australia": "AU",
    "澳大利亚": "AU",
    "canada": "CA",
    "加拿大": "CA",
    "india": "IN",
    "印度": "IN",
}


@dataclass
class _Property:
    name: str
    params: dict[str, list[str]] = field(default_factory=dict)
    value: str = ""
    line: int = 0


def _split_unquoted(text: str, separator: str, limit: int = -1) -> list[str]:
    """Split on ``separator`` outside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == separator and not quoted and limit != 0:
            parts.append("".join(current))
            current = []
            limit -= 1
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _split_escaped(value: str, separator: str) -> list[str]:
    """Split a structured value on ``separator`` not preceded by a backslash, and unescape each part."""
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == separator:
            parts.append(_unescape("".join(current)))
            current = []
        else:
            current.append(ch)
    parts.append(_unescape("".join(current)))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text).strip()


def _is_qp(head: str) -> bool:
    return "QUOTED-PRINTABLE" in head.upper()


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, unfolded line): folding and quoted-printable soft breaks joined."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(LINE_BREAK.split(text), start=1):
        if lines and raw[:1] in (" ", "\t"):
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
            continue
        if lines:
            previous = lines[-1][1]
            head = _split_unquoted(previous, ":", 1)[0]
            if previous.endswith("=") and _is_qp(head) and ":" in previous:
                lines[-1] = (lines[-1][0], previous[:-1] + raw)
                continue
        if raw.strip():
            lines.append((number, raw))
    return lines


def _parse_line(number: int, line: str) -> _Property | None:
    head, sep, value = _head_value(line)
    if not sep:
        return None
    pieces = _split_unquoted(head, ";")
    name = pieces[0].rsplit(".", 1)[-1].strip().upper()
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        key, has_value, raw = piece.partition("=")
        if not has_value:  # vCard 2.1: bare TYPE values and encodings
            bare = key.strip().upper()
            if bare in {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT"}:
                params.setdefault("ENCODING", []).append(bare)
            else:
                params.setdefault("TYPE", []).append(bare.lower())
            continue
        values = [v.strip().strip('"') for v in _split_unquoted(raw, ",")]
        params.setdefault(key.strip().upper(), []).extend(v.lower() if key.strip().upper() == "TYPE" else v for v in values)
    return _Property(name=name, params=params, value=value, line=number)


def _head_value(line: str) -> tuple[str, str, str]:
    parts = _split_unquoted(line, ":", 1)
    if len(parts) < 2:
        return line, "", ""
    return parts[0], ":", parts[1]


def _decoded(prop: _Property, row: ParsedRow) -> str | None:
    """The property's text: quoted-printable decoded in its charset; None when it cannot be read."""
    encodings = {e.upper() for e in prop.params.get("ENCODING", [])}
    if encodings & {"B", "BASE64"}:
        return None
    if "QUOTED-PRINTABLE" not in encodings:
        return prop.value
    charset = (prop.params.get("CHARSET") or ["utf-8"])[0] or "utf-8"
    try:
        raw = quopri.decodestring(prop.value.encode("utf-8"))
        return raw.decode(charset)
    except (LookupError, ValueError):
        row.problems.append((prop.name, f"Line {prop.line}: cannot decode this {charset} value."))
        return None


def _country(text: str) -> str:
    text = text.strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.upper()
    return COUNTRIES.get(text.casefold(), "")


def _set_once(row: ParsedRow, key: str, value: str, column: str) -> None:
    if value and key not in row.data:
        row.data[key] = value
        row.columns[key] = column


def _apply(prop: _Property, value: str, row: ParsedRow) -> None:
    name = prop.name
    types = [t for t in prop.params.get("TYPE", []) for t in t.split(",")]
    if name == "FN":
        _set_once(row, "full_name", _unescape(value), "FN")
    elif name == "N":
        parts = [*_split_escaped(value, ";"), "", ""]
        family = " ".join(_split_escaped(parts[0], ","))
        given = " ".join(p for p in (" ".join(_split_escaped(parts[1], ",")), parts[2] if len(parts) > 2 else "") if p).strip()
        _set_once(row, "last_name", family.strip(), "N")
        _set_once(row, "first_name", given, "N")
    elif name == "ORG":
        _set_once(row, "company", _split_escaped(value, ";")[0], "ORG")
    elif name in ("TITLE", "ROLE"):
        _set_once(row, "title", _unescape(value), name)
    elif name == "TEL":
        number = _unescape(value)
        number = number[4:] if number.lower().startswith("tel:") else number
        number = number.split(";", 1)[0].strip()
        if number:
            label = next((TEL_LABELS[t] for t in types if t in TEL_LABELS), "")
            row.add_point("phones", number, label, "TEL")
    elif name == "EMAIL":
        address = _unescape(value)
        address = address[7:] if address.lower().startswith("mailto:") else address
        if address:
            row.add_point("emails", address, "work" if "work" in types else "", "EMAIL")
    elif name == "ADR":
        parts = [*_split_escaped(value, ";"), *[""] * 7][:7]
        street = ", ".join(p for p in (parts[1], parts[2]) if p).replace("\n", ", ")
        _set_once(row, "address_line", street, "ADR")
        _set_once(row, "city", parts[3], "ADR")
        _set_once(row, "region", parts[4], "ADR")
        _set_once(row, "postal_code", parts[5], "ADR")
        _set_once(row, "country", _country(parts[6]), "ADR")
    elif name == "NOTE":
        _set_once(row, "notes", _unescape(value), "NOTE")
    elif name in ("X-INDUSTRY", "X-RAPPORT-INDUSTRY"):
        _set_once(row, "industry", _unescape(value), name)
    elif name == "CATEGORIES":
        tags = [t for t in _split_escaped(value, ",") if t]
        if tags and "tags" not in row.data:
            row.data["tags"] = tags[:20]
            row.columns["tags"] = "CATEGORIES"


def parse_vcard(content: bytes) -> ParsedFile:
    """Every card in the file, in order; ``number`` is the card's position (1 for the first)."""
    check_size(content)
    text = decode(content)
    rows: list[ParsedRow] = []
    current: ParsedRow | None = None
    saw_card = False
    for number, line in _logical_lines(text):
        prop = _parse_line(number, line)
        if prop is None:
            if current is not None:
                current.problems.append(("line", f"Line {number}: not a vCard property (NAME:value)."))
            continue
        if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
            saw_card = True
            if current is not None:
                current.problems.append(("END", f"The card has no END:VCARD before line {number}."))
            if len(rows) >= MAX_ROWS:
                raise LeadFileError(f"The file has more than {MAX_ROWS} cards: split it.")
            current = ParsedRow(number=len(rows) + 1)
            rows.append(current)
        elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
            current = None
        elif current is not None:
            value = _decoded(prop, current)
            if value is not None:
                _apply(prop, value, current)
    if not saw_card:
        raise LeadFileError("No BEGIN:VCARD found: this is not a vCard file.")
    if current is not None:
        current.problems.append(("END", "The last card has no END:VCARD."))
    return ParsedFile(rows)
