"""What every lead-file format shares: the row shape, the one error, decoding and the dispatcher."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The request limit (RAPPORT_MAX_REQUEST_BYTES, 2 MB) bounds an upload anyway; about 6,000 business cards.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
FORMATS = ("csv", "vcard")
# Splits a cell holding several phones or emails: "138 0013 8000 / 021 6888 8888".
MULTI_VALUE = re.compile(r"\s*[;；/、|\n]\s*")


class LeadFileError(ValueError):
    """The file cannot be read as the format claimed (encoding, structure, size)."""


@dataclass
class ParsedRow:
    """One lead read from a file.

    ``number`` is the spreadsheet row (the header is row 1) or the card's
    position in a vCard file; ``columns`` maps each key of ``data`` (and each
    ``phones[i]`` / ``emails[i]``) to the column or property it came from;
    ``problems`` are (column, message) pairs found while reading.
    """

    number: int
    data: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def column_for(self, field_name: str) -> str:
        """The column a validation error on ``field_name`` ("phones[1]", "custom.size") is about."""
        if field_name in self.columns:
            return self.columns[field_name]
        base = field_name.split("[", 1)[0]
        return self.columns.get(base, field_name)

    def add_point(self, kind: str, value: str, label: str, column: str) -> None:
        """Add a phone (``kind`` "phones") or email ("emails"), remembering its column."""
        points = self.data.setdefault(kind, [])
        self.columns[f"{kind}[{len(points)}]"] = column
        points.append({"value": value, "label": label})


@dataclass
class ParsedFile:
    """The rows of a file and notes about the file as a whole (columns not imported...)."""

    rows: list[ParsedRow]
    notes: list[str] = field(default_factory=list)


def decode(content: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (Chinese Excel)."""
    if content.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" in text:
            raise LeadFileError("The file contains NUL characters: it is not a text file.")
        return text
    raise LeadFileError("The file is not text in UTF-8 or GB18030: save it from Excel as “CSV UTF-8”.")


def check_size(content: bytes) -> None:
    if len(content) > MAX_BYTES:
        raise LeadFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
    if not content.strip():
        raise LeadFileError("The file is empty.")


def detect_format(filename: str, content: bytes) -> str:
    """``vcard`` for .vcf/.vcard names or content starting BEGIN:VCARD, else ``csv``."""
    name = filename.lower()
    if name.endswith((".vcf", ".vcard")):
        return "vcard"
    head = content[:200].lstrip(b"\xef\xbb\xbf\r\n\t ").upper()
    return "vcard" if head.startswith(b"BEGIN:VCARD") else "csv"


def parse(content: bytes, *, file_format: str, custom_fields: Mapping[str, str] | None = None) -> ParsedFile:
    """Every lead in the file, in order; raises ``LeadFileError`` when the file cannot be read."""
    from rapport.customers.lead_files import csv_file, vcard

    if file_format == "csv":
        return csv_file.parse_csv(content, custom_fields=custom_fields)
    if file_format == "vcard":
        return vcard.parse_vcard(content)
    raise LeadFileError(f"Unknown format '{file_format}': use one of {', '.join(FORMATS)}.")
