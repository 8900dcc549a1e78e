"""A bounded atheris run of each lead-file parser, in CI.

Each harness runs in its own process (atheris instruments the interpreter)
for ``RAPPORT_FUZZ_SECONDS`` (default 15) from the seed corpus; any exception
other than the parser's documented ``LeadFileError`` — or a broken invariant —
makes atheris exit non-zero with the crashing input, which fails the test.
The seed corpus is copied first, so the inputs atheris finds stay out of the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SECONDS = int(os.environ.get("RAPPORT_FUZZ_SECONDS", "15"))


@pytest.mark.parametrize("harness", ["csv", "vcard", "mail"])
def test_parser_raises_only_its_documented_error(harness: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(HERE / "corpus" / harness, corpus)
    run = subprocess.run(
        [
            sys.executable,
            str(HERE / f"fuzz_{harness}.py"),
            f"-max_total_time={SECONDS}",
            "-max_len=4096",
            "-timeout=10",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
        check=False,
        cwd=HERE.parent.parent,
    )
    tail = run.stderr[-4000:]
    assert run.returncode == 0, f"atheris found a crash in the {harness} parser:\n{tail}"
    assert "Done " in tail and " runs in " in tail, tail
