"""Reading columns of an analyst's CSV file into numpy arrays, with errors that name the option and column.

pyarrow's CSV reader parses only the wanted columns, each straight to its type (dates, numbers; ids
stay text until we know whether they are all whole numbers), in C++ on every core; no Python object is
made per line. When it refuses a value, its message names neither the row nor the option, so the file
is read again as text and the first refused value looked up (a slow path only for a file that is wrong).
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from rapport.analytics.summary import factorize

Kind = Literal["id", "date", "number"]

# Nanoseconds so that fractions of a second parse (dates then run from 1677 to 2262).
_TYPES: dict[Kind, pa.DataType] = {"id": pa.string(), "date": pa.timestamp("ns"), "number": pa.float64()}


class TableError(ValueError):
    """The file cannot be read as asked; the message names the file, column or value."""


@dataclass(frozen=True)
class Column:
    """One column as pyarrow parsed it, converted to numpy on demand."""

    name: str
    option: str
    kind: Kind
    values: pa.ChunkedArray

    def __len__(self) -> int:
        return len(self.values)

    def _fail(self, row: int, what: str) -> TableError:
        return TableError(f"{self.option}: '{self.values[row]}' in column '{self.name}' (row {row + 1}) is not {what}")

    def numbers(self) -> npt.NDArray[np.float64]:
        numbers = _numpy(self.values, np.float64)
        finite = np.isfinite(numbers)
        if not finite.all():
            raise self._fail(int(np.argmin(finite)), "a finite number")
        return numbers

    def dates(self) -> npt.NDArray[np.datetime64]:
        """Days; a time of day is dropped."""
        return _numpy(self.values, np.int64).view("datetime64[ns]").astype("datetime64[D]")

    def factorized(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.generic]]:
        """Codes numbering the distinct ids in sorted order, and those ids (integers when every one is a whole number, else bytes)."""
        numbers = self._whole_numbers()
        if numbers is not None:
            return factorize(numbers)
        distinct = pc.unique(self.values)
        distinct = distinct.take(pc.sort_indices(distinct))
        return _numpy(pc.index_in(self.values, value_set=distinct), np.int32).astype(np.int64), _fixed_width(distinct)

    def ids(self) -> npt.NDArray[np.generic]:
        """Each line's id: integers when every id is a whole number (cheaper to group), else bytes."""
        numbers = self._whole_numbers()
        if numbers is not None:
            return numbers
        codes, labels = self.factorized()
        return labels[codes]

    def _whole_numbers(self) -> npt.NDArray[np.int64] | None:
        """The ids as integers if every one is plain digits without a leading zero ("007" and "7" differ), else None."""
        if not len(self):
            return None
        for chunk in self.values.chunks:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
            lengths = np.diff(offsets)
            if not len(lengths):
                continue
            if lengths.min() < 1 or lengths.max() > 18:
                return None
            digits = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]] - np.uint8(48)
            if np.any(digits > 9) or np.any((digits[offsets[:-1] - offsets[0]] == 0) & (lengths > 1)):
                return None
        return _numpy(pc.cast(self.values, pa.int64()), np.int64)


def read_columns(
    path: str | Path, columns: Sequence[tuple[str, str, Kind]], *, delimiter: str = ",", date_format: str | None = None
) -> dict[str, Column]:
    """The named columns of a CSV file with a header line.

    ``columns`` gives each column's name, the option that named it (for the error messages) and its
    kind. Dates are ISO (a time may follow) unless ``date_format`` (strptime's) says otherwise.
    """
    path = Path(path)
    if len(delimiter) != 1:
        raise TableError("--delimiter must be one character")
    header = _header(path, delimiter)
    for name, option, _ in columns:
        if name not in header:
            raise TableError(f"{option}: no column '{name}' in {path} (its columns: {', '.join(header)})")
    types = {name: _TYPES[kind] for name, _, kind in columns}
    try:
        table = _read(path, types, delimiter, date_format, use_threads=True)
    except (pa.ArrowInvalid, _RaggedLine) as exc:
        raise _explain(path, columns, delimiter, date_format, exc) from None
    if table.num_rows == 0:
        raise TableError(f"{path} has a header but no rows")
    return {name: Column(name=name, option=option, kind=kind, values=table[name]) for name, option, kind in columns}


def _header(path: Path, delimiter: str) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            header = next((row for row in csv.reader(handle, delimiter=delimiter) if row), None)
    except OSError as exc:
        raise TableError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if header is None:
        raise TableError(f"{path} is empty: it needs a header line and at least one row")
    return header


class _RaggedLine(Exception):
    pass


def _read(path: Path, types: dict[str, pa.DataType], delimiter: str, date_format: str | None, *, use_threads: bool) -> pa.Table:
    ragged: list[pa_csv.InvalidRow] = []

    def refuse(row: pa_csv.InvalidRow) -> str:
        ragged.append(row)
        return "error"

    convert = pa_csv.ConvertOptions(
        column_types=types,
        include_columns=list(types),
        # Nothing is missing: an empty cell is a bad date or number, an empty id is an id.
        null_values=[],
        strings_can_be_null=False,
        timestamp_parsers=[date_format] if date_format else None,
    )
    # A newline inside a quoted value makes pyarrow split the file into blocks more carefully (and
    # slowly), which a file without quotes does not need.
    parse = pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=_has_quotes(path), invalid_row_handler=refuse)
    try:
        return pa_csv.read_csv(path, read_options=pa_csv.ReadOptions(use_threads=use_threads), parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid:
        if ragged:
            raise _RaggedLine(ragged[0]) from None
        raise


def _has_quotes(path: Path) -> bool:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as content:
        return content.find(b'"') >= 0


def _explain(path: Path, columns: Sequence[tuple[str, str, Kind]], delimiter: str, date_format: str | None, exc: Exception) -> TableError:
    """The error of a file pyarrow refused, naming the line, or the option, column and row."""
    as_text = {name: pa.string() for name, _, _ in columns}
    try:
        table = _read(path, as_text, delimiter, None, use_threads=True)
    except _RaggedLine:
        try:
            # Only a single-threaded read numbers the lines.
            _read(path, as_text, delimiter, None, use_threads=False)
        except _RaggedLine as ragged:
            row = ragged.args[0]
            return TableError(f"{path}, line {row.number}: {row.actual_columns} fields where the header has {row.expected_columns}")
        except pa.ArrowInvalid:
            pass
        return TableError(f"{path}: {exc}")
    except pa.ArrowInvalid as text_exc:
        return TableError(f"{path}: {text_exc}")
    for name, option, kind in columns:
        if kind == "id":
            continue
        row = _first_refused(table[name], kind, date_format)
        if row is not None:
            if kind == "number":
                what = "a number"
            else:
                what = f"a date in the format {date_format}" if date_format else "a date; give --date-format (e.g. %d/%m/%Y)"
            return TableError(f"{option}: '{table[name][row]}' in column '{name}' (row {row + 1}) is not {what}")
    return TableError(f"{path}: {exc}")


def _convert(values: pa.ChunkedArray, kind: Kind, date_format: str | None) -> object:
    if kind == "date" and date_format:
        return pc.strptime(values, format=date_format, unit="ns")
    return pc.cast(values, _TYPES[kind])


def _first_refused(values: pa.ChunkedArray, kind: Kind, date_format: str | None) -> int | None:
    """The first row that is not of its kind, found by halving: about two conversions of the column in all."""
    low, high = 0, len(values)
    try:
        _convert(values, kind, date_format)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    else:
        return None
    # A refused value lies in [low, high).
    while high - low > 1:
        middle = (low + high) // 2
        try:
            _convert(values.slice(low, middle - low), kind, date_format)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            high = middle
        else:
            low = middle
    return low


def _numpy(values: pa.Array | pa.ChunkedArray, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A column without nulls as numpy, straight from pyarrow's buffers.

    Not ``to_numpy()``: its first call imports pandas, a second or more of CPU for nothing.
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    parts = [np.frombuffer(chunk.buffers()[1], dtype=dtype)[chunk.offset : chunk.offset + len(chunk)] for chunk in chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _fixed_width(strings: pa.Array) -> npt.NDArray[np.bytes_]:
    """Strings as a numpy bytes array, copied from pyarrow's buffers without a Python object each."""
    strings = pc.cast(strings, pa.large_binary())
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset : strings.offset + len(strings) + 1]
    lengths = np.diff(offsets)
    width = max(int(lengths.max()) if len(lengths) else 1, 1)
    data = strings.buffers()[2]
    content = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]] if data is not None else np.zeros(0, dtype=np.uint8)
    cells = np.zeros((len(strings), width), dtype=np.uint8)
    row = np.repeat(np.arange(len(strings)), lengths)
    cells[row, np.arange(len(content)) - (offsets[:-1] - offsets[0])[row]] = content
    return cells.view(f"S{width}").ravel()
