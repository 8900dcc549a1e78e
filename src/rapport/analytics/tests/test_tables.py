"""Reading an analyst's CSV: pyarrow's parsers must read exactly what Python's own would, and errors name the row."""

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
    assert read_columns(path, [("amount", "--amount", "number")])["amount"].numbers().tolist() == [float(t) for t in texts]


def test_other_number_spellings_read_as_float_reads_them(tmp_path):
    path = write(tmp_path, "amount\n1e3\n.5\n-2.\n+4\n")
    assert read_columns(path, [("amount", "--amount", "number")])["amount"].numbers().tolist() == [1000.0, 0.5, -2.0, 4.0]


def test_ids_become_integers_only_when_nothing_is_lost(tmp_path):
    columns = read_columns(write(tmp_path, "a,b,c\n12,007,x1\n5,7,x2\n"), [("a", "--a", "id"), ("b", "--b", "id"), ("c", "--c", "id")])
    assert columns["a"].ids().tolist() == [12, 5]
    assert columns["b"].ids().tolist() == [b"007", b"7"]
    assert columns["c"].ids().tolist() == [b"x1", b"x2"]


def test_dates_with_times_windows_line_ends_and_quoted_text_kept_verbatim(tmp_path):
    path = write(tmp_path, '\ufeffday,note\r\n2024-02-29 23:59:00,"a, quoted ""note"""\r\n2023-01-01T00:00:00.250,"two\nlines"\r\n')
    columns = read_columns(path, [("day", "--date", "date"), ("note", "--note", "id")])
    assert columns["day"].dates().tolist() == np.array(["2024-02-29", "2023-01-01"], dtype="datetime64[D]").tolist()
    assert columns["note"].ids().tolist() == [b'a, quoted "note"', b"two\nlines"]


def test_ids_are_numbered_in_their_sorted_order_with_the_ids_kept(tmp_path):
    columns = read_columns(write(tmp_path, "n;t\n30;b\n4;a\n30;c\n1000;a\n"), [("n", "--n", "id"), ("t", "--t", "id")], delimiter=";")
    codes, ids = columns["n"].factorized()
    assert (codes.tolist(), ids.tolist()) == ([1, 0, 1, 2], [4, 30, 1000])
    codes, ids = columns["t"].factorized()
    assert (codes.tolist(), ids.tolist()) == ([1, 0, 2, 0], [b"a", b"b", b"c"])


def test_dates_in_a_given_format(tmp_path):
    path = write(tmp_path, "d\n31/01/2024\n29/02/2024\n")
    column = read_columns(path, [("d", "--date", "date")], date_format="%d/%m/%Y")
    assert column["d"].dates().tolist() == np.array(["2024-01-31", "2024-02-29"], dtype="datetime64[D]").tolist()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n3\n", "line 3: 1 fields where the header has 2"),
        ("a,b\n1,2\n3,4,5\n", "line 3: 3 fields where the header has 2"),
        ("a,b\n", "has a header but no rows"),
        ("a,b\n1,2\n", "--x: no column 'c'"),
        ("\n\n", "is empty: it needs a header line and at least one row"),
    ],
)
def test_malformed_files_are_refused_with_the_line_or_column(tmp_path, text, message):
    with pytest.raises(TableError, match=message):
        read_columns(write(tmp_path, text), [("a", "--a", "id"), ("c" if "column" in message else "b", "--x", "id")])


def test_a_ragged_line_deep_in_a_large_file_is_numbered(tmp_path):
    path = write(tmp_path, "a,b\n" + "1,2\n" * 300_000 + "3\n" + "1,2\n" * 1000)
    with pytest.raises(TableError, match=r", line 300002: 1 fields where the header has 2$"):
        read_columns(path, [("a", "--a", "id"), ("b", "--b", "number")])


@pytest.mark.parametrize(
    ("cells", "kind", "message"),
    [
        (["2024-01-31", "2023-02-29"], "date", "--x: '2023-02-29' in column 'x' \\(row 2\\) is not a date; give --date-format"),
        (["2024-01-31", ""], "date", "--x: '' in column 'x' \\(row 2\\) is not a date"),
        (["1.5", "2", "twelve"], "number", "--x: 'twelve' in column 'x' \\(row 3\\) is not a number$"),
        (["1.5", "", "2"], "number", "--x: '' in column 'x' \\(row 2\\) is not a number$"),
    ],
)
def test_a_value_that_is_not_of_its_kind_is_named_with_its_row(tmp_path, cells, kind, message):
    path = write(tmp_path, "n,x\n" + "\n".join(f"{n},{cell}" for n, cell in enumerate(cells)) + "\n")
    with pytest.raises(TableError, match=message):
        read_columns(path, [("n", "--n", "id"), ("x", "--x", kind)])


def test_a_value_refused_far_down_is_found(tmp_path):
    path = write(tmp_path, "id,x\n" + "7,1.5\n" * 200_000 + "7,1,5\n" + "7,2\n")
    with pytest.raises(TableError, match="line 200002: 3 fields"):
        read_columns(path, [("x", "--x", "number")])
    path = write(tmp_path, "id,x\n" + "7,1.5\n" * 200_000 + "7,1;5\n" + "7,2\n")
    with pytest.raises(TableError, match=r"--x: '1;5' in column 'x' \(row 200001\) is not a number$"):
        read_columns(path, [("id", "--id", "id"), ("x", "--x", "number")])


def test_a_date_not_in_the_given_format_is_named(tmp_path):
    path = write(tmp_path, "d\n31/01/2024\n2024-02-01\n")
    with pytest.raises(TableError, match="--date: '2024-02-01' in column 'd' \\(row 2\\) is not a date in the format %d/%m/%Y"):
        read_columns(path, [("d", "--date", "date")], date_format="%d/%m/%Y")


def test_infinite_amounts_are_refused(tmp_path):
    column = read_columns(write(tmp_path, "a\n1\ninf\n"), [("a", "--amount", "number")])["a"]
    with pytest.raises(TableError, match="--amount: 'inf' in column 'a' \\(row 2\\) is not a finite number"):
        column.numbers()
