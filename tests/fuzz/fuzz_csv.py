"""atheris harness: the CSV lead reader raises LeadFileError or returns rows, nothing else.

.venv/bin/python tests/fuzz/fuzz_csv.py -max_total_time=60 tests/fuzz/corpus/csv
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from rapport.customers.lead_files import LeadFileError
    from rapport.customers.lead_files.csv_file import parse_csv

CUSTOM = {"Budget": "budget", "budget": "budget", "展位": "booth"}


def test_one_input(data: bytes) -> None:
    try:
        parsed = parse_csv(data, custom_fields=CUSTOM)
    except LeadFileError:
        return
    for row in parsed.rows:
        # Every value handed on is text, and every error names a column.
        assert all(isinstance(v, str | list | dict) for v in row.data.values()), row
        assert all(isinstance(column, str) and message for column, message in row.problems), row


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
