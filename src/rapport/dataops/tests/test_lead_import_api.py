"""Lead imports through the API: dry run, confirm, worker, summary; who may; every refusal."""

from __future__ import annotations

from collections import Counter

import pytest

from rapport.customers.models import Activity, Lead
from rapport.customers.services import contact_create, lead_create
from rapport.dataops.models import LeadImport, LeadImportRow
from rapport.dataops.tasks import run_lead_import

pytestmark = pytest.mark.django_db

CARDS = [
    {"name": "张伟", "org": "苏州泵业", "tel": "139 1234 5678", "region": "Jiangsu", "industry": "Manufacturing"},
    {"name": "李娜", "org": "杭州电气", "tel": "+86 138 0013 8001", "region": "Zhejiang", "industry": "Retail"},
    {"name": "Wang Fang", "org": "Ningbo Port", "email": "wang@nbport.example.cn", "region": "Zhejiang", "industry": "Logistics"},
    {"name": "Anna Schmidt", "org": "Shenzhen Solar", "tel": "+49 30 1234567", "region": "Guangdong", "industry": "Energy"},
    {"name": "陈明", "org": "广州纺织", "tel": "020 8888 6666", "region": "Guangdong", "industry": "Textiles"},
    {"name": "Hainan Guest", "org": "Sanya Hotels", "email": "guest@sanya.example.com", "region": "Hainan"},
]


def _upload(api, content, filename="cards.vcf", **data):
    return api.upload("leads/imports", filename, content, data)


def test_the_trade_show_cards_are_routed_and_each_owner_gets_one_to_do(
    users, api_for, regional_rules, vcard, django_assert_max_num_queries
):
    # Marketing brings the cards back from the show and imports them (core.policies.BRINGS_IN_LEADS).
    marketer_api = api_for(users["marketer"])
    response = _upload(marketer_api, vcard(*CARDS), source="Expo 2026", dry_run="true")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["total_rows"], body["format"], body["source"]) == ("previewed", 6, "vcard", "Expo 2026")
    assert (body["preview"]["would_create"], body["preview"]["duplicates"], body["preview"]["errors"]) == (6, 0, 0)
    assert {r["rule"]: r["leads"] for r in body["preview"]["by_rule"]} == {"East China": 3, "Energy": 1, "South China": 1, "": 1}
    assert [s["rule"] for s in body["preview"]["sample"]] == ["East China", "East China", "East China", "Energy", "South China", ""]
    assert not Lead.objects.exists()

    confirmed = marketer_api.post(f"leads/imports/{body['id']}/confirm")
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "queued")
    assert run_lead_import.call(lead_import_id=body["id"]) == {"created": 6, "duplicates": 0, "errors": 0}

    with django_assert_max_num_queries(6):
        done = marketer_api.get(f"leads/imports/{body['id']}").json()
    assert (done["status"], done["percent"], done["created"], done["processed_rows"]) == ("done", 100, 6, 6)
    leads = {lead.full_name: lead for lead in Lead.objects.select_related("owner")}
    assert leads["张伟"].routed_by == "East China" and leads["张伟"].source == "Expo 2026"
    assert leads["Anna Schmidt"].owner == users["manager"]
    assert (leads["陈明"].owner, leads["Hainan Guest"].owner, leads["Hainan Guest"].routed_by) == (
        users["south_rep"],
        users["marketer"],
        "",
    )
    east_owners = Counter(leads[n].owner.username for n in ("张伟", "李娜", "Wang Fang"))
    assert sorted(east_owners) == ["manager", "north_rep", "north_rep2"] or sum(east_owners.values()) == 3
    assert {o["name"]: o["leads"] for o in done["owners"]}.get("marketer") == 1
    # One to-do per owner whom a rule gave leads, not one per lead; the unrouted lead's creator gets none.
    todos = Counter(Activity.objects.values_list("owner__username", flat=True))
    expected = Counter(lead.owner.username for lead in leads.values() if lead.routed_by)
    assert todos == Counter(dict.fromkeys(expected, 1))
    assert Activity.objects.filter(owner=users["south_rep"]).get().subject == "Follow up on 1 new lead from cards.vcf"
    # The file itself is not kept once imported.
    assert bytes(LeadImport.objects.get().content) == b""


def test_a_chinese_excel_csv_preview_names_row_and_column(users, api_for):
    from rapport.customers.services import custom_field_define

    custom_field_define(actor=users["admin"], entity="lead", key="booth", label="展位", field_type="text")
    content = (
        "姓名,公司,手机,邮箱,省份,展位,备注二\n"
        "张伟,苏州泵业,139 1234 5678,zw@example.cn,Jiangsu,A12,x\n"
        "李娜,杭州电气,12345,not-an-email,Zhejiang,B3,\n"
        ",,,,,,\n"
        "王芳,宁波港,139 1234 5678,,Zhejiang,,\n"
    ).encode("gb18030")
    response = _upload(api_for(users["north_rep"]), content, "展会.csv", dry_run="true")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["format"], body["total_rows"], body["filename"]) == ("csv", 3, "展会.csv")
    assert (body["preview"]["would_create"], body["preview"]["errors"], body["preview"]["duplicates"]) == (1, 1, 1)
    assert sorted((e["row"], e["column"]) for e in body["preview"]["row_errors"]) == [(3, "手机"), (3, "邮箱")]
    assert body["notes"] == ["Column “备注二” is not a lead field and is not imported."]
    assert body["preview"]["sample"][0]["name"] == "张伟"


def test_duplicates_are_skipped_by_email_or_e164_phone(users, api_for, vcard):
    rep = users["north_rep"]
    lead_create(actor=rep, data={"last_name": "Old", "phones": [{"value": "+8613912345678"}]})
    contact_create(actor=users["south_rep"], data={"last_name": "Known", "emails": [{"value": "guest@sanya.example.com"}]})
    api = api_for(rep)
    body = _upload(api, vcard(*CARDS, CARDS[1])).json()
    assert body["status"] == "queued"
    run_lead_import.call(lead_import_id=body["id"])
    done = api.get(f"leads/imports/{body['id']}").json()
    # 139 1234 5678 matches the lead's +8613912345678; the email matches another rep's contact; 李娜 is twice in the file.
    assert (done["created"], done["duplicates"], done["errors"]) == (4, 3, 0)
    assert Lead.objects.count() == 5


def test_an_interrupted_import_resumes_without_duplicates(users, api_for, vcard, monkeypatch):
    from rapport.dataops import lead_import

    api = api_for(users["north_rep"])
    body = _upload(api, vcard(*CARDS)).json()
    real = lead_import._import_row
    calls = []

    def crash_on_the_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(lead_import, "_import_row", crash_on_the_fourth)
    with pytest.raises(RuntimeError):
        run_lead_import.call(lead_import_id=body["id"])
    halfway = api.get(f"leads/imports/{body['id']}").json()
    assert (halfway["status"], halfway["processed_rows"], halfway["percent"]) == ("running", 3, 50)
    monkeypatch.setattr(lead_import, "_import_row", real)
    run_lead_import.call(lead_import_id=body["id"])
    run_lead_import.call(lead_import_id=body["id"])  # a repeat after success does nothing
    assert Lead.objects.count() == 6
    assert sorted(LeadImportRow.objects.values_list("row", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert api.get(f"leads/imports/{body['id']}").json()["created"] == 6


@pytest.mark.parametrize(
    ("filename", "content", "field", "message"),
    [
        ("cards.vcf", b"NAME,PHONE\nx,y\n", "file", "No BEGIN:VCARD found: this is not a vCard file."),
        ("leads.csv", b"PK\x03\x04rest-of-a-workbook", "file", "This is not a text file"),
        ("leads.csv", b"", "file", "The file is empty."),
        ("leads.csv", b"colour,size\nred,2\n", "file", "No column is a lead field"),
        ("leads.csv", b"name\n" + b"x" * (2 * 1024 * 1024), "file", "larger than 2 MB"),
        ("leads.csv", b"\xff\xfe\xfd\x00\x81", "file", "not text in UTF-8 or GB18030"),
        ("leads.csv", b"name,phone\nx\x00,y\n", "file", "NUL characters"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(users, api_for, filename, content, field, message):
    response = _upload(api_for(users["north_rep"]), content, filename)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"] and message in response.json()["errors"][field][0]
    assert not LeadImport.objects.exists()


def test_who_may_import_and_see_an_import(users, api_for, vcard):
    content = vcard(CARDS[0])
    assert _upload(api_for(users["analyst"]), content).status_code == 403
    bad_format = _upload(api_for(users["north_rep"]), content, format="xlsx")
    assert (bad_format.status_code, list(bad_format.json()["errors"])) == (422, ["form.format"])
    mine = _upload(api_for(users["north_rep"]), content, dry_run="true").json()
    assert api_for(users["south_rep"]).get(f"leads/imports/{mine['id']}").status_code == 404
    assert api_for(users["south_rep"]).post(f"leads/imports/{mine['id']}/confirm").status_code == 404
    assert api_for(users["manager"]).get(f"leads/imports/{mine['id']}").status_code == 404
    assert api_for(users["admin"]).get(f"leads/imports/{mine['id']}").status_code == 200
    assert api_for(users["admin"]).post(f"leads/imports/{mine['id']}/confirm").status_code == 403
    api = api_for(users["north_rep"])
    assert api.post(f"leads/imports/{mine['id']}/confirm").status_code == 200
    again = api.post(f"leads/imports/{mine['id']}/confirm")
    assert (again.status_code, again.json()["errors"]) == (409, {"status": ["This import has already been confirmed."]})
    assert api.get("leads/imports/987654").status_code == 404


def test_the_same_idempotency_key_does_not_upload_twice(users, api_for, vcard):
    api = api_for(users["north_rep"])
    first = api.upload("leads/imports", "cards.vcf", vcard(CARDS[0]), {"dry_run": "true"}, headers={"Idempotency-Key": "expo-1"})
    again = api.upload("leads/imports", "cards.vcf", vcard(CARDS[0]), {"dry_run": "true"}, headers={"Idempotency-Key": "expo-1"})
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert LeadImport.objects.count() == 1


def test_the_uploaded_name_is_kept_without_path_or_unsafe_characters(users, api_for, vcard):
    api = api_for(users["north_rep"])
    uploads = ("../../etc/展会 名单.vcf", "$$", "a<b>.vcf")
    names = [_upload(api, vcard(CARDS[0]), name, format="vcard", dry_run="true").json()["filename"] for name in uploads]
    assert names == ["展会_名单.vcf", "leads", "ab.vcf"]


def test_cards_imported_for_a_campaign_become_its_responses_once(users, api_for, vcard):
    from rapport.customers.models import Interaction
    from rapport.marketing.campaigns import campaign_create
    from rapport.marketing.models import CampaignResponse
    from rapport.marketing.returns import return_of_campaign

    marketer = users["marketer"]
    fair = campaign_create(actor=marketer, data={"name": "Expo 2026", "kind": "exhibition", "starts_on": "2026-03-10", "currency": "CNY"})
    api = api_for(marketer)
    refused = _upload(api, vcard(*CARDS[:2]), campaign_id="999999", dry_run="true")
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"campaign_id"}
    body = _upload(api, vcard(*CARDS[:3]), campaign_id=str(fair.pk)).json()
    assert (body["campaign_id"], body["source"]) == (fair.pk, "Expo 2026")  # the campaign names the leads' source
    run_lead_import.call(lead_import_id=body["id"])
    run_lead_import.call(lead_import_id=body["id"])  # a retried run records nothing twice
    responses = CampaignResponse.objects.filter(campaign=fair)
    assert sorted(r.lead.full_name for r in responses) == ["Wang Fang", "张伟", "李娜"]
    assert {r.kind for r in responses} == {"card"}
    assert Interaction.objects.filter(concerns=f"marketing.campaign:{fair.pk}", lead__isnull=False).count() == 3
    assert (return_of_campaign(fair).responses, return_of_campaign(fair).leads) == (3, 3)
