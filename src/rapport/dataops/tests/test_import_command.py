"""``rapport import leads FILE``: dry run, the import with its summary, resume, refusals."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rapport.customers.models import Activity, Lead
from rapport.dataops.models import LeadImport

pytestmark = pytest.mark.django_db

CSV = "姓名,公司,手机,省份,行业\n张伟,苏州泵业,139 1234 5678,Jiangsu,Manufacturing\n陈明,广州纺织,020 8888 6666,Guangdong,Textiles\n坏行,X,12,Zhejiang,\n"


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_lists_errors_and_imports_nothing(tmp_path, users):
    path = tmp_path / "expo.csv"
    path.write_bytes(CSV.encode("gb18030"))
    out, _ = _run("leads", str(path), "--user", "north_rep", "--dry-run")
    assert "row 4, 手机: '12' is not a valid phone number." in out
    assert "3 rows: 2 new, 0 duplicates, 1 with errors." in out and "Dry run" in out
    assert not Lead.objects.exists()


def test_import_routes_and_summarises(tmp_path, users, regional_rules):
    path = tmp_path / "expo.csv"
    path.write_bytes(CSV.encode("gb18030"))
    out, err = _run("leads", str(path), "--user", "admin", "--source", "Expo 2026")
    assert "2 created, 0 duplicates skipped, 1 errors." in out
    assert "3/3" in err  # the progress bar reached the end
    assert set(Lead.objects.values_list("source", flat=True)) == {"Expo 2026"}
    owners = {lead.region: lead.owner for lead in Lead.objects.select_related("owner")}
    assert owners["Guangdong"] == users["south_rep"] and owners["Jiangsu"].team.slug == "north"
    assert sorted(Activity.objects.values_list("owner_id", flat=True)) == sorted(o.pk for o in owners.values())
    assert f"  {owners['Jiangsu'].username}: 1" in out
    job = LeadImport.objects.get()
    again, _ = _run("leads", "--user", "admin", "--resume", str(job.pk))
    assert "2 created" in again and Lead.objects.count() == 2


def test_refusals_are_command_errors(tmp_path, users):
    with pytest.raises(CommandError, match="No active user 'ghost'"):
        _run("leads", "x.csv", "--user", "ghost")
    with pytest.raises(CommandError, match="No file"):
        _run("leads", str(tmp_path / "missing.csv"), "--user", "north_rep")
    bad = tmp_path / "cards.vcf"
    bad.write_text("not a card")
    with pytest.raises(CommandError, match="file: No BEGIN:VCARD found"):
        _run("leads", str(bad), "--user", "north_rep")
    with pytest.raises(CommandError, match="Give the file"):
        _run("leads", "--user", "north_rep")
    with pytest.raises(CommandError, match="No such import"):
        _run("leads", "--user", "north_rep", "--resume", "98765")
    assert not LeadImport.objects.exists()
