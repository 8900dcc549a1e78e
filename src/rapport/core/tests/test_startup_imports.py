"""A web process starts without the analytics and document libraries: they load when a request needs them.

Ibis, DuckDB, Arrow, pandas, NumPy, SciPy, scikit-learn, WeasyPrint and openpyxl take many seconds to
import together. Every web process (and every worker) loads the apps and the URL conf, so a module-level
import of one of them on that path slows every start and the first request of every process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rapport.core.tests.conftest import process_env

HEAVY = ["ibis", "duckdb", "pyarrow", "pandas", "numpy", "scipy", "sklearn", "weasyprint", "openpyxl", "icalendar", "faker", "pyspark"]

PROBE = """
import json, sys
import django
django.setup()
from django.test import Client
from django.urls import get_resolver, resolve, reverse
get_resolver().url_patterns
paths = ["/", "/contacts/", "/analytics/", "/analytics/churn/", "/analytics/olap/", "/sales/forecast/", "/api/v1/contacts"]
views = [resolve(path).func.__name__ for path in paths]
login = Client().get(reverse("web:login"))
print(json.dumps({"views": views, "login": login.status_code, "loaded": [m for m in HEAVY if m in sys.modules]}))
"""


@pytest.mark.slow
def test_loading_the_url_conf_and_serving_the_login_page_imports_no_heavy_library(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}"],
        env=process_env(tmp_path, None),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["login"] == 200
    assert len(report["views"]) == 7
    assert report["loaded"] == [], "imported while starting: " + ", ".join(report["loaded"])
