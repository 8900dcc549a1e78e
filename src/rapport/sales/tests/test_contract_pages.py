"""Contract pages: list with "ending within", form with inline errors, detail with documents, renew/terminate,
uploads refused at the field, downloads as attachments, the account 360 section; returns pages."""

from __future__ import annotations

import datetime as dt
import html
import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rapport.sales.tests import upload_samples as samples
from rapport.sales.views.messages import say

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def account(users, make_account):
    return make_account(users["north_rep"], "华星上海")


@pytest.fixture
def make_contract(users, account):
    from rapport.sales.contracts import contract_create

    def make(title="Maintenance", ends_in=200, owner=None, on=None):
        # The pages count days in the owner's time zone (Asia/Shanghai), a day ahead of UTC in its evening.
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo((owner or users["north_rep"]).time_zone))
        data = {
            "title": title,
            "account_id": (on or account).pk,
            "start_date": str(today - dt.timedelta(days=100)),
            "end_date": str(today + dt.timedelta(days=ends_in)),
            "value": "120000.00",
            "currency": "CNY",
        }
        return contract_create(actor=owner or users["north_rep"], data=data)

    return make


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_list_filters_ending_within_and_has_a_query_budget(users, client_for, make_contract, django_assert_max_num_queries):
    soon = make_contract("Soon ends", ends_in=20)
    make_contract("Far away", ends_in=300)
    for i in range(5):
        make_contract(f"Other {i}", ends_in=100 + i)
    client = client_for(users["north_rep"])
    with django_assert_max_num_queries(14):
        page = client.get(reverse("sales:contract_list"))
    assert page.status_code == 200 and "Far away" in _text(page)
    filtered = client.get(reverse("sales:contract_list"), {"ending_within": "30"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert "Soon ends" in _text(filtered) and "Far away" not in _text(filtered) and "<html" not in _text(filtered)
    assert "ends in 20 days" in _text(filtered)
    assert reverse("sales:contract_detail", args=[soon.pk]) in _text(filtered)
    refused = client.get(reverse("sales:contract_list"), {"ending_within": "soon"})
    assert "A number of days from 0 to 3650." in _text(refused)
    assert "Soon ends" not in _text(client_for(users["south_rep"]).get(reverse("sales:contract_list")))


def test_the_form_shows_errors_at_the_field_and_saves_nothing(users, client_for, account):
    from rapport.sales.models import Contract

    client = client_for(users["north_rep"])
    assert client.get(reverse("sales:contract_create"), {"account": account.pk}).status_code == 200
    body = {"title": "Support", "account_id": account.pk, "start_date": "2026-02-01", "end_date": "2026-01-01", "currency": "CNY"}
    body |= {"status": "active", "notice_days": "30", "reminder_days": "60"}
    refused = client.post(reverse("sales:contract_create"), body)
    assert refused.status_code == 422
    assert re.search(
        r'field has-error">\s*<label for="id_end_date">.*?The end comes on or after the start\.', refused.content.decode(), re.S
    )
    assert Contract.objects.count() == 0
    created = client.post(reverse("sales:contract_create"), {**body, "end_date": "2027-01-31"})
    contract = Contract.objects.get()
    assert created["Location"] == reverse("sales:contract_detail", args=[contract.pk])
    stale = client.post(
        reverse("sales:contract_edit", args=[contract.pk]), {**body, "end_date": "2027-01-31", "title": "New", "version": 0}
    )
    assert "Someone else changed this contract" in _text(stale)
    saved = client.post(
        reverse("sales:contract_edit", args=[contract.pk]), {**body, "end_date": "2027-01-31", "title": "New", "version": 1}
    )
    assert saved.status_code == 302
    contract.refresh_from_db()
    assert (contract.title, contract.version) == ("New", 2)


def test_renew_and_terminate_from_the_detail_page(users, client_for, make_contract):
    contract = make_contract(ends_in=10)
    client = client_for(users["north_rep"])
    detail = client.get(reverse("sales:contract_detail", args=[contract.pk]))
    assert "Renew for another term" in _text(detail) and "No documents yet" in _text(detail)
    bad = client.post(reverse("sales:contract_renew", args=[contract.pk]), {"end_date": "2000-01-01", "version": 1})
    assert bad.status_code == 422 and "it ends on or after that" in _text(bad)
    assert client.post(reverse("sales:contract_renew", args=[contract.pk]), {"version": 1}).status_code == 302
    contract.refresh_from_db()
    assert (contract.start_date, contract.version) == (timezone.localdate() + dt.timedelta(days=11), 2)
    early = client.post(reverse("sales:contract_terminate", args=[contract.pk]), {"version": 2})
    assert early.status_code == 422 and f"The contract started on {contract.start_date.isoformat()}." in _text(early)
    ended_on = str(contract.start_date + dt.timedelta(days=5))
    stale = client.post(reverse("sales:contract_terminate", args=[contract.pk]), {"version": 1, "ended_on": ended_on})
    assert stale.status_code == 409 and "Someone else changed this contract" in _text(stale)
    assert client.post(reverse("sales:contract_terminate", args=[contract.pk]), {"version": 2, "ended_on": ended_on}).status_code == 302
    contract.refresh_from_db()
    assert contract.status == "cancelled"


@pytest.mark.parametrize(
    ("status", "renews", "terminates"),
    [("draft", False, True), ("active", True, True), ("ended", True, False), ("cancelled", False, False)],
)
def test_the_page_offers_renew_and_terminate_only_where_the_service_allows_them(
    users, client_for, make_contract, status, renews, terminates
):
    from rapport.sales.contracts import NOT_RENEWED, NOT_TERMINATED
    from rapport.sales.models import Contract

    contract = make_contract()
    Contract.objects.filter(pk=contract.pk).update(status=status)
    client = client_for(users["north_rep"])
    page = client.get(reverse("sales:contract_detail", args=[contract.pk])).content.decode()
    assert ("data-renew-form" in page, "data-terminate-form" in page) == (renews, terminates)
    # A page opened before the contract changed still posts: the refusal is said plainly, nothing changes.
    for action, allowed, reasons in (("renew", renews, NOT_RENEWED), ("terminate", terminates, NOT_TERMINATED)):
        if allowed:
            continue
        refused = client.post(reverse(f"sales:contract_{action}", args=[contract.pk]), {"version": 1})
        assert refused.status_code == 409
        alert = re.search(r"data-form-errors>(.*?)</div>\s*</div>", _text(refused)).group(1)
        assert html.escape(reasons[status], quote=False) in alert and "Please correct" not in alert
        assert Contract.objects.get(pk=contract.pk).version == 1


@pytest.mark.parametrize("case", sorted(samples.REFUSED))
def test_every_refused_upload_is_shown_at_the_field(users, client_for, make_contract, case, settings):
    from rapport.sales.models import ContractDocument

    contract = make_contract()
    filename, _, reason = samples.REFUSED[case]
    upload = SimpleUploadedFile(filename, samples.refused_content(case))
    response = client_for(users["north_rep"]).post(reverse("sales:contract_document_upload", args=[contract.pk]), {"file": upload})
    assert response.status_code == 422
    # The page says the service's reason in the page's words (quotes typographic).
    shown = say(reason)
    assert re.search(r'field has-error">.*?<label for="id_file">.*?' + re.escape(html.escape(shown)), response.content.decode(), re.S)
    assert ContractDocument.objects.count() == 0


def test_a_too_large_upload_is_shown_at_the_field(users, client_for, make_contract, settings):
    from rapport.sales.models import ContractDocument

    settings.RAPPORT_MAX_UPLOAD_BYTES = 1024
    contract = make_contract()
    upload = SimpleUploadedFile("big.pdf", samples.PDF + b"0" * 5000)
    response = client_for(users["north_rep"]).post(reverse("sales:contract_document_upload", args=[contract.pk]), {"file": upload})
    assert response.status_code == 422 and "The file is larger than 1 KB." in _text(response)
    assert ContractDocument.objects.count() == 0


def test_documents_upload_and_download_through_the_page(users, client_for, make_contract):
    contract = make_contract()
    client = client_for(users["north_rep"])
    upload = SimpleUploadedFile("../签字版<script>.pdf", samples.PDF)
    assert client.post(reverse("sales:contract_document_upload", args=[contract.pk]), {"file": upload}).status_code == 302
    document = contract.documents.get()
    detail = _text(client.get(reverse("sales:contract_detail", args=[contract.pk])))
    assert "签字版&lt;script&gt;.pdf" in detail and "<script>.pdf" not in detail
    url = reverse("sales:contract_document_download", args=[contract.pk, document.pk])
    download = client.get(url)
    assert b"".join(download.streaming_content) == samples.PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert (download["Content-Type"], download["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
    other = make_contract("Other")
    assert client.get(reverse("sales:contract_document_download", args=[other.pk, document.pk])).status_code == 404
    assert client_for(users["south_rep"]).get(url).status_code == 404
    assert client.post(reverse("sales:contract_document_delete", args=[contract.pk, document.pk])).status_code == 302
    assert client.get(url).status_code == 404


def test_the_account_page_loads_its_contracts_section(users, client_for, make_contract, account):
    make_contract("Hardware support", ends_in=30)
    client = client_for(users["north_rep"])
    page = _text(client.get(reverse("web:account_detail", args=[account.pk])))
    assert reverse("sales:account_contracts", args=[account.pk]) in page
    section = _text(client.get(reverse("sales:account_contracts", args=[account.pk])))
    assert "Hardware support" in section and "ends in 30 days" in section
    assert client_for(users["south_rep"]).get(reverse("sales:account_contracts", args=[account.pk])).status_code == 404


def _shipped_order(users, catalogue, account):
    from rapport.sales.orders import order_place, order_set_status

    rep = users["north_rep"]
    order = order_place(
        actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": [{"product_id": catalogue["laptop"].pk, "quantity": "2"}]}
    )
    return order_set_status(actor=rep, order=order, status="shipped")


def test_a_return_is_recorded_and_refunded_from_the_page(users, client_for, catalogue, account):
    from rapport.sales.billing import invoice_issue

    order = _shipped_order(users, catalogue, account)
    invoice = invoice_issue(actor=users["north_rep"], order=order)
    line = order.lines.get()
    client = client_for(users["north_rep"])
    page = client.get(reverse("sales:order_returns", args=[order.pk]))
    assert page.status_code == 200 and "Record a return" in _text(page)
    too_many = client.post(reverse("sales:return_create", args=[order.pk]), {"line_id": line.pk, "quantity": "3", "reason": "Broken"})
    assert too_many.status_code == 422
    assert re.search(
        r'field has-error">\s*<label for="id_quantity">.*?Only 2 of this line can still be returned\.', too_many.content.decode(), re.S
    )
    assert (
        client.post(reverse("sales:return_create", args=[order.pk]), {"line_id": line.pk, "quantity": "1", "reason": "Broken"}).status_code
        == 302
    )
    returned = order.lines.get().returns.get()
    assert client.post(reverse("sales:return_refund", args=[returned.pk]), {"method": "alipay"}).status_code == 302
    invoice.refresh_from_db()
    assert (invoice.credited_amount, returned.__class__.objects.get().status) == (returned.refund_amount, "refunded")
    listing = _text(client.get(reverse("sales:return_list")))
    assert "Refunded" in listing and str(order) in listing
    partial = _text(client.get(reverse("sales:return_list"), {"status": "requested"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"))
    assert partial.startswith('<div id="results"') and "Nothing matches" in partial and str(order) not in partial
    assert str(order) in _text(client.get(reverse("sales:return_list"), {"status": "refunded"}))
    assert str(order) not in _text(client_for(users["south_rep"]).get(reverse("sales:return_list")))


def test_the_order_page_shows_and_records_returns_within_its_query_budget(
    users, client_for, catalogue, account, django_assert_max_num_queries
):
    from rapport.sales.orders import order_place, order_set_status
    from rapport.sales.returns import return_request

    rep = users["north_rep"]
    client = client_for(rep)
    one_line = _shipped_order(users, catalogue, account)
    url = reverse("sales:order_detail", args=[one_line.pk])
    line = one_line.lines.get()
    first = client.get(url)
    assert first.status_code == 200 and "data-order-returns" in first.content.decode()
    assert "Record a return" in _text(first)

    refused = client.post(reverse("sales:return_create", args=[one_line.pk]), {"line_id": line.pk, "quantity": "9", "reason": "Broken"})
    assert refused.status_code == 422
    assert f"Order {one_line.number}" in _text(refused) and "Only 2 of this line can still be returned." in _text(refused)
    recorded = client.post(reverse("sales:return_create", args=[one_line.pk]), {"line_id": line.pk, "quantity": "1", "reason": "Broken"})
    assert recorded["Location"] == f"{url}#order-returns"
    with django_assert_max_num_queries(40) as baseline:
        shown = client.get(url)
    assert "Broken" in _text(shown) and "Requested" in _text(shown)

    lines = [{"product_id": catalogue["laptop"].pk, "quantity": "5"}, {"product_id": catalogue["cable"].pk, "quantity": "10"}]
    many = order_place(actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": lines})
    many = order_set_status(actor=rep, order=many, status="shipped")
    for line in many.lines.all():
        for _ in range(2):
            return_request(actor=rep, order=many, line_id=line.pk, quantity="1", reason="Damaged in transit")
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        bigger = client.get(reverse("sales:order_detail", args=[many.pk]))
    assert _text(bigger).count("Damaged in transit") == 4
    assert client_for(users["south_rep"]).get(url).status_code == 404


def test_a_chinese_user_reads_the_contract_pages_refusals_in_chinese(users, client_for, make_contract):
    from rapport.core.models import User
    from rapport.sales.models import Contract

    User.objects.filter(pk=users["north_rep"].pk).update(language="zh-hans")
    client = client_for(users["north_rep"])
    contract = make_contract(ends_in=10)
    too_early = client.post(reverse("sales:contract_renew", args=[contract.pk]), {"end_date": "2000-01-01", "version": 1})
    start = (timezone.localdate() + dt.timedelta(days=11)).isoformat()
    assert too_early.status_code == 422 and f"新合同期从 {start} 开始；结束日期不能早于该日。" in _text(too_early)
    stale = client.post(reverse("sales:contract_renew", args=[contract.pk]), {"version": 0})
    assert stale.status_code == 409 and "在您查看期间，其他人修改了这份合同。" in _text(stale)
    lapsed = make_contract("Lapsed", ends_in=-30)
    Contract.objects.filter(pk=lapsed.pk).update(status="ended")
    back_dated = client.post(reverse("sales:contract_renew", args=[lapsed.pk]), {"start_date": str(lapsed.end_date), "version": 1})
    assert back_dated.status_code == 422
    assert re.search(
        r'field has-error">.*?<label for="id_start_date">.*?本期合同于 ' + str(lapsed.end_date), back_dated.content.decode(), re.S
    )
    assert client.post(reverse("sales:contract_renew", args=[lapsed.pk]), {"version": 1}).status_code == 302
    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.start_date) == ("active", timezone.localdate())
    mismatched = SimpleUploadedFile("signed.pdf", samples.PNG)
    refused = client.post(reverse("sales:contract_document_upload", args=[contract.pk]), {"file": mismatched})
    assert refused.status_code == 422 and "文件内容是PNG 图片，但文件名以“.pdf”结尾。" in _text(refused)
    Contract.objects.filter(pk=contract.pk).update(status="ended")
    ended = client.post(reverse("sales:contract_terminate", args=[contract.pk]), {"version": 1})
    assert ended.status_code == 409 and "该合同已到期结束，无需再终止。" in _text(ended)
    assert "This contract has ended" not in _text(ended)
    page = _text(client.get(reverse("sales:contract_detail", args=[contract.pk])))
    assert "编号" in page and "数字" not in page  # a document number, not a numeric value


def test_the_return_list_pages_within_its_query_budget(users, client_for, catalogue, account, django_assert_max_num_queries):
    from rapport.sales.returns import return_request

    rep = users["north_rep"]
    client = client_for(rep)
    order = _shipped_order(users, catalogue, account)
    line = order.lines.get()
    return_request(actor=rep, order=order, line_id=line.pk, quantity="1", reason="Broken")
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("sales:return_list"))
    return_request(actor=rep, order=order, line_id=line.pk, quantity="1", reason="Scratched")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = _text(client.get(reverse("sales:return_list")))
    assert "Broken" in page and "Scratched" in page
