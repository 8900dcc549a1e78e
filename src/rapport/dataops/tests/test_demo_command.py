"""``rapport demo`` on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rapport.customers.models import Account, Contact, Lead
from rapport.dataops.models import DemoLoadPhase


def test_help_names_every_option(tmp_path: Path) -> None:
    env = {**os.environ, "RAPPORT_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "rapport.cli", "demo", "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for option in ("--contacts", "--accounts", "--leads", "--interactions-per-contact", "--seed", "--locale-mix", "--batch-size"):
        assert option in done.stdout


def test_small_load_reports_what_it_wrote(db: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command("demo", "--contacts", "40", "--accounts", "25", "--leads", "10", "--batch-size", "16", stdout=out, stderr=err)
    assert (Account.objects.count(), Contact.objects.count(), Lead.objects.count()) == (25, 41, 10)
    assert "25 accounts, 40 contacts, 10 leads" in out.getvalue()
    assert "password rapport-demo" in out.getvalue()
    assert "contacts" in err.getvalue()  # the progress bar


def test_quickstart_call_with_only_a_contact_count(db: Any) -> None:
    call_command("demo", contacts=50, verbosity=0)
    assert (Account.objects.count(), Contact.objects.count(), Lead.objects.count()) == (30, 51, 20)


def test_other_options_on_a_loaded_database_are_an_error_not_a_mix(db: Any) -> None:
    call_command("demo", contacts=50, verbosity=0)
    with pytest.raises(CommandError, match="contacts=50"):
        call_command("demo", contacts=60, verbosity=0)
    assert Contact.objects.count() == 51
    assert DemoLoadPhase.objects.get(phase="contacts").rows_done == 50
