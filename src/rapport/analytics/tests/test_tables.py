"""Reading an analyst's CSV: the vectorised parsers must read exactly what Python's own would."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.tables import TableError, read_columns


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_bytes(text.encode())
    return path


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False), min_size=1, max_size=30))
def test_decimal_amounts_read_as_float_reads_them(tmp_path_factory, values):
    texts = [format(v, "f") for v in values]
    path = write(tmp_path_factory.mktemp("t"), "amount\n" + "\n".join(texts) + "\n")
    assert read_columns(path, [("amount", "--amount")])["amount"].numbers().tolist() == [float(t) for t in texts]


def test_other_number_spellings_fall_back_to_numpys_parser(tmp_path):
    path = write(tmp_path, "amount\n1e3\n.5\n-2.\n+4\n")
    assert read_columns(path, [("amount", "--amount")])["amount"].numbers().tolist() == [1000.0, 0.5, -2.0, 4.0]


def test_ids_become_integers_only_when_nothing_is_lost(tmp_path):
    columns = read_columns(write(tmp_path, "a,b,c\n12,007,x1\n5,7,x2\n"), [("a", "--a"), ("b", "--b"), ("c", "--c")])
    assert columns["a"].ids().tolist() == [12, 5]
    assert columns["b"].ids().tolist() == [b"007", b"7"]
    assert columns["c"].ids().tolist() == [b"x1", b"x2"]


def test_dates_with_times_windows_line_ends_and_quotes(tmp_path):
    path = write(tmp_path, 'day,note\r\n2024-02-29 23:59:00,"a, quoted ""note"""\r\n2023-01-01T00:00,plain\r\n')
    columns = read_columns(path, [("day", "--date"), ("note", "--note")])
    assert columns["day"].dates().tolist() == np.array(["2024-02-29", "2023-01-01"], dtype="datetime64[D]").tolist()
    assert columns["note"].text().tolist() == [b'a  quoted "note"', b"plain"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n3\n", "line 3: 1 fields where the header has 2"),
        ("a,b\n", "has a header but no rows"),
        ("a,b\n1,2\n", "--x: no column 'c'"),
    ],
)
def test_malformed_files_are_refused_with_the_line_or_column(tmp_path, text, message):
    with pytest.raises(TableError, match=message):
        read_columns(write(tmp_path, text), [("a", "--a"), ("c" if "column" in message else "b", "--x")])


def test_an_impossible_date_is_named(tmp_path):
    column = read_columns(write(tmp_path, "d\n2024-01-31\n2023-02-29\n"), [("d", "--date")])["d"]
    with pytest.raises(TableError, match="--date: '2023-02-29' in column 'd' \\(row 2\\) is not a date"):
        column.dates()
