"""Contract documents over REST: each accepted kind, each refusal (nothing stored), safe names, attachment-only download, 404s."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.sales.tests import upload_samples as samples

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def contract(users, make_account):
    from rapport.sales.contracts import contract_create

    account = make_account(users["north_rep"], "华星上海")
    data = {"title": "Maintenance", "account_id": account.pk, "start_date": "2026-01-01", "end_date": "2026-12-31", "currency": "CNY"}
    return contract_create(actor=users["north_rep"], data=data)


def _upload(api, contract, name, content):
    return api.client.post(f"/api/v1/contracts/{contract.pk}/documents", {"file": SimpleUploadedFile(name, content)}, **api.headers)


def _stored(settings):
    from rapport.sales.models import ContractDocument

    root = settings.MEDIA_ROOT
    files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, names in os.walk(root) for f in names) if os.path.isdir(root) else []
    return ContractDocument.objects.count(), files


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("signed.pdf", samples.PDF, "application/pdf"),
        ("scan.PNG", samples.PNG, "image/png"),
        ("photo.jpeg", samples.JPEG, "image/jpeg"),
        ("annex.docx", samples.office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("prices.xlsx", samples.office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("terms.txt", samples.TEXT, "text/plain"),
    ],
)
def test_each_accepted_kind_is_stored_under_a_random_name_and_sent_back_as_an_attachment(
    users, api_for, contract, settings, name, content, content_type
):
    api = api_for(users["north_rep"])
    response = _upload(api, contract, name, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["filename"], body["content_type"], body["size"]) == (name, content_type, len(content))
    count, files = _stored(settings)
    assert count == 1 and len(files) == 1
    assert name not in files[0] and files[0].startswith("contracts/")
    download = api.get(f"contract-documents/{body['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"].startswith("attachment;")
    assert (download["Content-Type"], download["X-Content-Type-Options"]) == (content_type, "nosniff")
    assert api.get(f"contracts/{contract.pk}/documents").json()[0]["id"] == body["id"]


@pytest.mark.parametrize("case", sorted(samples.REFUSED))
def test_every_refused_upload_is_named_and_nothing_is_stored(users, api_for, contract, settings, case):
    filename, _, reason = samples.REFUSED[case]
    response = _upload(api_for(users["north_rep"]), contract, filename, samples.refused_content(case))
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["file"][0].startswith(reason)
    assert _stored(settings) == (0, [])


def test_a_file_over_the_limit_is_dropped_while_it_streams_in(users, api_for, contract, settings):
    settings.RAPPORT_MAX_UPLOAD_BYTES = 64 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # would go to a temporary file: the limit stops it before
    response = _upload(api_for(users["north_rep"]), contract, "big.pdf", samples.PDF + b"0" * (200 * 1024))
    assert (response.status_code, response.json()["errors"]["file"]) == (422, ["The file is larger than 64 KB."])
    assert _stored(settings) == (0, [])


def test_no_file_is_named(users, api_for, contract):
    response = api_for(users["north_rep"]).client.post(
        f"/api/v1/contracts/{contract.pk}/documents", {}, **api_for(users["north_rep"]).headers
    )
    assert (response.status_code, response.json()["errors"]) == (422, {"file": ["Choose a file."]})


def test_a_zip_over_the_total_uncompressed_bound_is_refused(users, api_for, contract, settings):
    settings.RAPPORT_MAX_UPLOAD_UNCOMPRESSED = 20_000
    noisy = bytes(range(256)) * 100  # 25.6 kB that barely compresses: the ratio is fine, the total is not
    response = _upload(api_for(users["north_rep"]), contract, "annex.docx", samples.office(extra={"word/media/a.bin": noisy}))
    assert response.json()["errors"]["file"][0].startswith("The archive expands to too much data")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\合同.txt", "合同.txt"),
        ("bell\x07and\x1b[31mred\u202e.txt", "belland[31mred.txt"),
        ("  ..hidden.txt", "hidden.txt"),
        ("x" * 400 + ".txt", "x" * 146 + ".txt"),
    ],
)
def test_names_lose_their_paths_and_control_characters(users, api_for, contract, sent, kept):
    response = _upload(api_for(users["north_rep"]), contract, sent, samples.TEXT)
    assert (response.status_code, response.json()["filename"]) == (201, kept)


def test_only_who_sees_the_contract_lists_downloads_uploads_or_deletes(users, api_for, contract, settings):
    api = api_for(users["north_rep"])
    document = _upload(api, contract, "signed.pdf", samples.PDF).json()
    south = api_for(users["south_rep"])
    assert south.get(f"contracts/{contract.pk}/documents").status_code == 404
    assert south.get(f"contract-documents/{document['id']}").status_code == 404
    assert south.delete(f"contract-documents/{document['id']}").status_code == 404
    assert _upload(south, contract, "mine.pdf", samples.PDF).status_code == 404
    assert _stored(settings)[0] == 1
    assert api_for(users["manager"]).get(f"contract-documents/{document['id']}").status_code == 200
    assert api.delete(f"contract-documents/{document['id']}").status_code == 204
    assert api.get(f"contract-documents/{document['id']}").status_code == 404


def test_server_owned_fields_sent_with_an_upload_are_ignored(users, api_for, contract, make_account):
    from rapport.sales.models import ContractDocument

    api = api_for(users["north_rep"])
    forged = {"uploaded_by_id": users["admin"].pk, "contract_id": 999, "size": 1, "content_type": "text/html", "filename": "x.html"}
    response = api.client.post(
        f"/api/v1/contracts/{contract.pk}/documents", {"file": SimpleUploadedFile("signed.pdf", samples.PDF), **forged}, **api.headers
    )
    assert response.status_code == 201, response.content
    stored = ContractDocument.objects.get()
    assert (stored.contract_id, stored.uploaded_by_id, stored.size, stored.content_type, stored.filename) == (
        contract.pk,
        users["north_rep"].pk,
        len(samples.PDF),
        "application/pdf",
        "signed.pdf",
    )
