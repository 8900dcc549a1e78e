"""Reading columns of an analyst's CSV file into numpy arrays, with errors that name the column.

A plain CSV (no quotes) is split with vectorised byte operations, which reads millions of lines in
seconds; a file with quoted fields goes through the csv module instead.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

Bytes = npt.NDArray[np.bytes_]


class TableError(ValueError):
    """The file cannot be read as asked; the message names the file, column or value."""


@dataclass(frozen=True)
class Column:
    """One column's cells as (start, length) slices of the file's bytes."""

    name: str
    option: str
    data: npt.NDArray[np.uint8]
    start: npt.NDArray[np.int64]
    length: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.start)

    @cached_property
    def width(self) -> int:
        return max(int(self.length.max()) if len(self) else 1, 1)

    def _windows(self, first: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        """The ``width`` bytes from each offset on, as (cells, width); offsets may run off either end."""
        width = self.width
        data = self.data
        if len(data) < width:
            data = np.concatenate([data, np.zeros(width - len(data), dtype=np.uint8)])
        # One row copy per cell from a strided view, instead of one gather per byte position.
        clipped = np.clip(first, 0, len(data) - width)
        cells = np.lib.stride_tricks.sliding_window_view(data, width)[clipped]
        for row in np.flatnonzero(clipped != first).tolist():  # only the first or last few cells
            for k in range(width):
                at = int(first[row]) + k
                cells[row, k] = data[at] if 0 <= at < len(data) else 0
        return cells

    @cached_property
    def _left(self) -> npt.NDArray[np.uint8]:
        """Cells left-aligned, one row per byte position (so each row is contiguous), zero past the end."""
        cells = self._windows(self.start)
        cells[np.arange(self.width)[None, :] >= self.length[:, None]] = 0
        return np.ascontiguousarray(cells.T)

    @cached_property
    def _right(self) -> npt.NDArray[np.uint8]:
        """Cells right-aligned and padded with '0' in front: digits then add up without masks."""
        cells = self._windows(self.start + self.length - self.width)
        cells[np.arange(self.width)[None, :] < (self.width - self.length)[:, None]] = ord("0")
        return np.ascontiguousarray(cells.T)

    def byte(self, k: int) -> npt.NDArray[np.uint8]:
        """The k-th byte of every cell (0 past a cell's end)."""
        return self._left[k] if k < self.width else np.zeros(len(self), dtype=np.uint8)

    def text(self) -> Bytes:
        return np.ascontiguousarray(self._left.T).view(f"S{self.width}").ravel()

    def _fail(self, row: int, what: str) -> TableError:
        value = self.data[self.start[row] : self.start[row] + self.length[row]].tobytes().decode("utf-8", errors="replace")
        return TableError(f"{self.option}: '{value}' in column '{self.name}' (row {row + 1}) is not {what}")

    def _digits(self, first: int, count: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        value = np.zeros(len(self), dtype=np.int64)
        ok = np.ones(len(self), dtype=bool)
        for k in range(first, first + count):
            digit = self.byte(k) - np.uint8(48)  # wraps below '0', so one comparison tests a digit
            ok &= digit <= 9
            value = value * 10 + digit
        return value, ok

    def whole_numbers(self) -> npt.NDArray[np.int64] | None:
        """The cells as integers if every one is plain digits without leading zeros, else None."""
        if not len(self) or self.length.min() < 1 or self.width > 18:
            return None
        value = np.zeros(len(self), dtype=np.int64)
        for row in self._right:
            digit = row - np.uint8(48)
            if np.any(digit > 9):
                return None
            value = value * 10 + digit
        if np.any((self.byte(0) == ord("0")) & (self.length > 1)):
            return None  # "007" and "7" are different ids
        return value

    def numbers(self) -> npt.NDArray[np.float64]:
        """Decimal numbers ("-12.50"); anything fancier falls back to numpy's own parsing."""
        fast = self._plain_decimals()
        if fast is not None:
            return fast
        cells = self.text()
        try:
            numbers = cells.astype(np.float64)
        except ValueError:
            for row, value in enumerate(cells.tolist()):
                try:
                    float(value)
                except ValueError:
                    raise self._fail(row, "a number") from None
            raise
        if not np.all(np.isfinite(numbers)):
            raise self._fail(int(np.argmax(~np.isfinite(numbers))), "a finite number")
        return numbers

    def _plain_decimals(self) -> npt.NDArray[np.float64] | None:
        if not len(self) or self.length.min() < 1 or self.width > 17:
            return None
        negative = self.byte(0) == ord("-")
        first_digit = self.width - self.length + negative  # row of _right holding each cell's first digit
        mantissa = np.zeros(len(self), dtype=np.int64)
        decimals = np.zeros(len(self), dtype=np.int8)
        points = np.zeros(len(self), dtype=np.int8)
        for k, row in enumerate(self._right):
            digit = row - np.uint8(48)
            is_digit = digit <= 9
            is_point = row == ord(".")
            if not np.all(is_digit | is_point | (k < first_digit)):
                return None
            points += is_point
            decimals += is_digit & (points > 0)
            mantissa = np.where(is_point, mantissa, mantissa * 10 + np.where(is_digit, digit, 0))
        if np.any(points > 1) or np.any(self.length - negative - points < 1):
            return None
        # An integer below 2^53 divided by an exact power of ten rounds exactly as float() does.
        value = mantissa / 10.0 ** decimals.astype(np.int64)
        return np.where(negative, -value, value)

    def iso_dates(self) -> npt.NDArray[np.datetime64] | None:
        """YYYY-MM-DD (optionally followed by a time) as days, or None if any cell is not like that."""
        if not len(self) or self.length.min() < 10:
            return None
        if not (np.all(self.byte(4) == ord("-")) and np.all(self.byte(7) == ord("-"))):
            return None
        if self.length.max() > 10 and not np.all((self.length == 10) | np.isin(self.byte(10), [ord("T"), ord(" ")])):
            return None
        year, ok_y = self._digits(0, 4)
        month, ok_m = self._digits(5, 2)
        day, ok_d = self._digits(8, 2)
        if not (ok_y.all() and ok_m.all() and ok_d.all()) or np.any((month < 1) | (month > 12) | (day < 1)):
            return None
        months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
        dates: npt.NDArray[np.datetime64] = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
        if np.any(dates.astype("datetime64[M]") != months):
            return None  # 31 February and the like: let the slow path name the bad value
        return dates

    def dates(self, date_format: str | None = None) -> npt.NDArray[np.datetime64]:
        """Dates as days; ISO dates parse vectorised, other formats once per distinct value."""
        if date_format is None and (fast := self.iso_dates()) is not None:
            return fast
        distinct, inverse = np.unique(self.text(), return_inverse=True)
        parsed = np.empty(len(distinct), dtype="datetime64[D]")
        for k, raw in enumerate(distinct.tolist()):
            text = raw.decode("utf-8", errors="replace").strip()
            try:
                moment = datetime.strptime(text, date_format) if date_format else datetime.fromisoformat(text)
            except ValueError:
                hint = f" in the format {date_format}" if date_format else "; give --date-format (e.g. %d/%m/%Y)"
                raise self._fail(int(np.argmax(inverse.ravel() == k)), f"a date{hint}") from None
            parsed[k] = np.datetime64(moment.date(), "D")
        return parsed[inverse.ravel()]

    def ids(self) -> npt.NDArray[np.generic]:
        """Whole-number ids become integers (cheaper to group); anything else stays text."""
        numbers = self.whole_numbers()
        return numbers if numbers is not None else self.text()


def read_columns(path: str | Path, columns: Sequence[tuple[str, str]], *, delimiter: str = ",") -> dict[str, Column]:
    """The named columns of a CSV file with a header line.

    ``columns`` pairs each column name with the option that named it, for the error messages.
    """
    path = Path(path)
    if len(delimiter) != 1:
        raise TableError("--delimiter must be one character")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise TableError(f"cannot read {path}: {exc.strerror or exc}") from exc
    # Whole-buffer byte operations (memchr speed) before numpy sees the file.
    content = content.removeprefix(b"\xef\xbb\xbf")
    if b'"' in content:
        content = _rewrite_quoted(path, delimiter)
    if b"\r" in content:
        content = content.replace(b"\r", b"")
    content = content.rstrip(b"\n")
    if not content:
        raise TableError(f"{path} is empty: it needs a header line and at least one row")
    first_newline = content.find(b"\n")
    header = content[: first_newline if first_newline >= 0 else len(content)].decode("utf-8", errors="replace").split(delimiter)
    positions = {}
    for name, option in columns:
        if name not in header:
            raise TableError(f"{option}: no column '{name}' in {path} (its columns: {', '.join(header)})")
        positions[name] = (header.index(name), option)
    if first_newline < 0:
        raise TableError(f"{path} has a header but no rows")
    # Each line, the last included, now ends with exactly one newline.
    body = np.frombuffer(content[first_newline + 1 :] + b"\n", dtype=np.uint8)
    return _split(body, content.count(b"\n"), len(header), positions, path, ord(delimiter))


def _split(
    body: npt.NDArray[np.uint8], n_lines: int, width: int, positions: dict[str, tuple[int, str]], path: Path, delimiter: int
) -> dict[str, Column]:
    ends = np.flatnonzero((body == 10) | (body == delimiter))
    # Every line has `width` fields exactly when the count adds up and each width-th boundary ends a line.
    if len(ends) != n_lines * width or not np.all(body[ends[width - 1 :: width]] == 10):
        is_newline = body == 10
        line_starts = np.r_[0, np.flatnonzero(is_newline)[:-1] + 1]
        fields = np.add.reduceat((body == delimiter).astype(np.int64), line_starts) + 1
        bad = int(np.argmax(fields != width))
        raise TableError(f"{path}, line {bad + 2}: {fields[bad]} fields where the header has {width}")
    grid = ends.reshape(n_lines, width)
    out = {}
    for name, (j, option) in positions.items():
        stop = grid[:, j]
        start = grid[:, j - 1] + 1 if j else np.r_[0, grid[:-1, -1] + 1]
        out[name] = Column(name=name, option=option, data=body, start=start, length=stop - start)
    return out


def _rewrite_quoted(path: Path, delimiter: str) -> bytes:
    """Quoted fields may hide delimiters and newlines: let the csv module unquote them once."""
    replacement = " " if delimiter != " " else "_"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        lines = [
            delimiter.join(cell.replace(delimiter, replacement).replace("\n", " ").replace("\r", " ") for cell in row)
            for row in csv.reader(handle, delimiter=delimiter)
            if row
        ]
    return "\n".join(lines).encode()
