"""Every string the code and templates mark for translation has a Chinese translation that is not a guess.

makemessages runs on a copy of the source (the catalogue in the tree stays as it is), then
gettext's msgattrib lists what is missing or fuzzy (a guess from a similar string, never used).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rapport

pytestmark = pytest.mark.skipif(shutil.which("msgattrib") is None, reason="needs GNU gettext (Debian: gettext)")

PACKAGE = Path(rapport.__file__).parent


def _entries(po: Path, flag: str) -> list[str]:
    found = subprocess.run(["msgattrib", flag, "--no-wrap", str(po)], capture_output=True, text=True, check=True).stdout
    return [line for line in found.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_every_marked_string_has_a_chinese_translation(tmp_path):
    copy = tmp_path / "rapport"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--settings=rapport.settings"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "RAPPORT_VAR_DIR": str(tmp_path / "var")},
    )
    po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert _entries(po, "--untranslated") == []
    assert _entries(po, "--only-fuzzy") == []
