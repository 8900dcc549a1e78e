"""``rapport mail`` for skipped mail: the import lists what it skipped and refused (too large included), an
administrator lists skipped mail by reason and files one on a record, and refusals are errors in words."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rapport.customers.models import Interaction
from rapport.customers.services import account_create, contact_create
from rapport.dataops.models import InboundMail

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent / "mail"


def _mail(*args: str) -> str:
    out = StringIO()
    call_command("mail", *args, "-v", "0", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def imported(users, tmp_path, settings) -> str:
    settings.RAPPORT_MAX_MAIL_BYTES = 2048
    box = tmp_path / "box"
    box.mkdir()
    (box / "ooo.eml").write_bytes((SAMPLES / "auto_reply.eml").read_bytes())
    (box / "list.eml").write_bytes(
        b"From: news@shop.example\nSubject: Weekly deals\nList-Id: <deals.shop.example>\nMessage-ID: <l1@shop>\n\nHi\n"
    )
    (box / "huge.eml").write_bytes(b"From: Big Sender <big@files.example>\nSubject: Scans\nMessage-ID: <h1@files>\n\n" + b"x" * 3000)
    (box / "garbage.eml").write_bytes(b"this is not an email at all\n")
    return _mail("import", str(box), "--user", "admin")


def test_the_import_reports_and_keeps_what_it_skipped_and_refused(imported):
    assert "4 messages: 0 filed (0 from new senders, now leads), 0 seen before, 2 skipped, 2 refused." in imported
    assert "huge.eml: larger than 0 MB." in imported and "garbage.eml: This is not an email message" in imported
    reasons = dict(InboundMail.objects.values_list("skip_reason", "sender"))
    assert reasons == {
        "auto_reply": "zhang.wei@suzhou-pumps.example.cn",
        "mailing_list": "news@shop.example",
        "too_large": "big@files.example",
        "unparseable": "",
    }


def test_an_administrator_lists_skipped_mail_by_reason(imported):
    every = _mail("skipped", "--user", "admin")
    assert every.endswith("4 skipped messages.\n") and "Automatic reply: Your quote" in every and "(no valid sender)" in every
    lists = _mail("skipped", "--user", "admin", "--reason", "mailing_list").splitlines()
    entry = InboundMail.objects.get(skip_reason="mailing_list")
    assert lists[0].split()[:1] + lists[0].split()[3:5] == [str(entry.pk), "mailing_list", "news@shop.example"]
    assert lists[-1] == "1 skipped message."
    with pytest.raises(CommandError, match="--reason: 'spam' is not one of"):
        _mail("skipped", "--user", "admin", "--reason", "spam")


def test_an_administrator_files_one_on_a_contact_or_an_account(users, imported):
    zhang = contact_create(actor=users["north_rep"], data={"full_name": "张伟"})
    entry = InboundMail.objects.get(skip_reason="auto_reply")
    done = _mail("file", str(entry.pk), "--contact", str(zhang.pk), "--user", "admin")
    filed = Interaction.objects.get()
    assert done == f"Filed message {entry.pk} on contact {zhang.pk}: interaction {filed.pk}.\n"
    assert (filed.contact, filed.subject) == (zhang, "Automatic reply: Your quote")
    with pytest.raises(CommandError, match="filed already"):
        _mail("file", str(entry.pk), "--contact", str(zhang.pk), "--user", "admin")
    shop = account_create(actor=users["admin"], data={"name": "Shop"})
    other = InboundMail.objects.get(skip_reason="mailing_list")
    _mail("file", str(other.pk), "--account", str(shop.pk), "--user", "admin")
    assert Interaction.objects.get(account=shop, contact=None).subject == "Weekly deals"


def test_refusals_are_errors_in_words_and_file_nothing(users, imported):
    entry = InboundMail.objects.get(skip_reason="auto_reply")
    for args, words in (
        (["skipped", "--user", "north_rep"], "Only administrators see skipped mail."),
        (["file", str(entry.pk), "--contact", "1", "--user", "north_rep"], "No such message."),
        (["file", "999999", "--contact", "1", "--user", "admin"], "No such message."),
        (["file", str(entry.pk), "--contact", "999999", "--user", "admin"], "--contact: No such contact: 999999."),
        (["file", str(InboundMail.objects.get(skip_reason="unparseable").pk), "--lead", "1", "--user", "admin"], "No such lead: 1."),
        (["skipped", "--user", "nobody"], "No active user 'nobody'."),
    ):
        with pytest.raises(CommandError, match=words.replace(".", r"\.").replace("(", r"\(")):
            _mail(*args)
    with pytest.raises(CommandError):  # one record, not two: argparse refuses before anything runs
        _mail("file", str(entry.pk), "--contact", "1", "--account", "1", "--user", "admin")
    assert not Interaction.objects.exists() and InboundMail.objects.filter(outcome="skipped").count() == 4


def test_the_rapport_command_runs_the_subcommands(tmp_path):
    """The installed entry point, not only call_command: its help names the new subcommands and their options."""
    env = {**os.environ, "RAPPORT_VAR_DIR": str(tmp_path)}
    for args, expected in (
        (["mail", "--help"], ["import", "serve", "skipped", "file"]),
        (["mail", "file", "--help"], ["--contact", "--lead", "--account"]),
    ):
        done = subprocess.run([sys.executable, "-m", "rapport.cli", *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        for word in expected:
            assert word in done.stdout, (args, word)
