"""atheris harness: the vCard lead reader raises LeadFileError or returns cards, nothing else.

.venv/bin/python tests/fuzz/fuzz_vcard.py -max_total_time=60 tests/fuzz/corpus/vcard
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from rapport.customers.lead_files import LeadFileError
    from rapport.customers.lead_files.vcard import parse_vcard


def test_one_input(data: bytes) -> None:
    try:
        parsed = parse_vcard(data)
    except LeadFileError:
        return
    for number, row in enumerate(parsed.rows, start=1):
        assert row.number == number, row
        for kind in ("phones", "emails"):
            for index, point in enumerate(row.data.get(kind, [])):
                assert isinstance(point["value"], str) and point["value"], row
                assert row.column_for(f"{kind}[{index}]") in ("TEL", "EMAIL"), row


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
