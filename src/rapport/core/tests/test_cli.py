"""The `rapport` command: createuser (non-interactive), --help everywhere."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from rapport.core.models import User


@pytest.mark.django_db
def test_createuser_reads_password_from_environment(monkeypatch):
    monkeypatch.setenv("RAPPORT_PASSWORD", "a-long-password")
    out = io.StringIO()
    call_command("createuser", "alice", "--role", "sales_rep", "--team", "north", stdout=out)
    alice = User.objects.get(username="alice")
    assert alice.role == "sales_rep"
    assert alice.team.slug == "north"
    assert alice.check_password("a-long-password")
    assert "Created alice" in out.getvalue()


@pytest.mark.django_db
def test_createuser_reads_password_from_stdin(monkeypatch):
    monkeypatch.delenv("RAPPORT_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("piped-password-1\n"))
    call_command("createuser", "bob", "--role", "service_agent", stdout=io.StringIO())
    assert User.objects.get(username="bob").check_password("piped-password-1")


@pytest.mark.django_db
def test_createuser_errors_name_the_problem(monkeypatch):
    monkeypatch.setenv("RAPPORT_PASSWORD", "short")
    with pytest.raises(CommandError, match="password"):
        call_command("createuser", "carol", stdout=io.StringIO())
    monkeypatch.setenv("RAPPORT_PASSWORD", "a-long-password")
    with pytest.raises(CommandError, match="manager"):
        call_command("createuser", "carol", "--manager", "nobody", stdout=io.StringIO())
    assert not User.objects.filter(username="carol").exists()


@pytest.mark.parametrize("command", [[], ["serve"], ["worker"], ["createuser"], ["migrate"]])
def test_help_works_for_every_command(command, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "rapport.cli", *command, "--help"],
        capture_output=True,
        text=True,
        env={"RAPPORT_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "usage" in result.stdout.lower() or "subcommands" in result.stdout.lower()
