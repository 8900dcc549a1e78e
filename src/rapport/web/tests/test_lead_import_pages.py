"""The lead-import pages: upload, preview with row errors, confirm, progress polling, result; refusals."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.customers.models import Lead
from rapport.dataops.models import LeadImport
from rapport.dataops.tasks import run_lead_import

pytestmark = pytest.mark.django_db

CSV = "Name,Company,Mobile,Email,Province,Industry\n张伟,苏州泵业,139 1234 5678,zw@example.cn,Jiangsu,Manufacturing\nBad Row,X Co,12,nope,Zhejiang,Retail\n"


@pytest.fixture
def rep_client(users, client):
    client.force_login(users["north_rep"])
    return client


def _upload(client, content=CSV.encode(), name="expo.csv", **data):
    return client.post("/leads/import/", {"file": SimpleUploadedFile(name, content), "file_format": "auto", "source": "Expo", **data})


def test_upload_preview_confirm_progress_and_result(rep_client, users, django_assert_max_num_queries):
    page = rep_client.get("/leads/")
    assert b'href="/leads/import/"' in page.content
    assert rep_client.get("/leads/import/").status_code == 200
    response = _upload(rep_client)
    job = LeadImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/imports/{job.pk}/"
    preview = rep_client.get(response["Location"]).content.decode()
    assert "Preview: nothing has been created yet" in preview and 'data-count="would_create">1<' in preview
    assert "Mobile" in preview and "Email" in preview and "12" in preview  # the bad row's errors name its columns
    assert not Lead.objects.exists()
    confirmed = rep_client.post(f"/leads/imports/{job.pk}/confirm/")
    assert confirmed.status_code == 302
    polling = rep_client.get(f"/leads/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in polling and "0 of 2 rows" in polling
    run_lead_import.call(lead_import_id=job.pk)
    with django_assert_max_num_queries(8):
        final = rep_client.get(f"/leads/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in final and "Import finished" in final and 'data-count="created">1<' in final
    assert Lead.objects.get().source == "Expo"
    again = rep_client.post(f"/leads/imports/{job.pk}/confirm/", follow=True)
    assert "This import has already been confirmed." in again.content.decode()


def test_refusals_are_shown_at_the_field(rep_client):
    response = _upload(rep_client, b"PK\x03\x04workbook", "leads.xlsx")
    assert response.status_code == 422
    assert "This is not a text file" in response.content.decode()
    no_file = rep_client.post("/leads/import/", {"file_format": "auto"})
    assert no_file.status_code == 422 and "This field is required." in no_file.content.decode()
    assert not LeadImport.objects.exists()


def test_someone_elses_import_is_404(rep_client, users):
    from django.test import Client

    _upload(rep_client)
    job = LeadImport.objects.get()
    other = Client()
    other.force_login(users["south_rep"])
    for url in (f"/leads/imports/{job.pk}/", f"/leads/imports/{job.pk}/progress/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/leads/imports/{job.pk}/confirm/").status_code == 404
    assert LeadImport.objects.get().status == "previewed"


@pytest.mark.django_db(transaction=True)
def test_a_lead_the_rules_give_away_says_who_got_it(rep_client, users):
    """Routing runs when the lead commits (a real transaction here), before the page redirects."""
    from rapport.sales.assignment import assignment_rule_create

    assignment_rule_create(
        actor=users["admin"],
        data={
            "name": "South",
            "conditions": [{"field": "region", "operator": "equals", "value": "Guangdong"}],
            "owner_id": users["south_rep"].pk,
        },
    )
    response = rep_client.post(
        "/leads/new/",
        {"last_name": "Chen", "region": "Guangdong", "status": "new", "phones-value": [""], "emails-value": [""]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Lead created and assigned to south_rep." in response.content.decode()
    assert response.redirect_chain[-1][0] == "/leads/"
    lead = Lead.objects.get()
    assert lead.owner == users["south_rep"]
    assert f"/leads/{lead.pk}/" not in response.content.decode()
