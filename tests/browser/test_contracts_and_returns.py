"""Contracts and returns in the browser: filter contracts ending soon, a refused upload shown at the field then a good one
downloaded, the account page's contracts section, a return recorded and refunded, the renewal to-do on "My day", and an ended
or terminated contract offering only what can still be done with it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rapport.sales.tests import upload_samples as samples
from rapport.sales.tests.commerce_fixtures import catalogue  # noqa: F401 (a fixture)
from tests.browser.shots import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contracts_in_db(users, settings, tmp_path):
    from rapport.customers.services import account_create
    from rapport.sales.contracts import contract_create

    settings.MEDIA_ROOT = str(tmp_path / "media")
    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "华星科技（上海）有限公司"})
    today = timezone.localdate()
    made = {}
    for title, days, terms in (
        ("年度维护合同 2026", 25, "到期前 30 天书面通知，否则自动续约一年。"),
        ("Cloud hosting", 140, ""),
        ("打印机租赁", 400, "按季度付款。"),
    ):
        made[title] = contract_create(
            actor=rep,
            data={
                "title": title,
                "account_id": account.pk,
                "start_date": str(today - dt.timedelta(days=300)),
                "end_date": str(today + dt.timedelta(days=days)),
                "value": "86000.00",
                "currency": "CNY",
                "auto_renew": days == 25,
                "renewal_terms": terms,
            },
        )
    return account, made


def test_contracts_filter_upload_download_and_the_account_section(page, live_server, log_in, users, contracts_in_db, tmp_path):
    account, made = contracts_in_db
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/contracts/")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    page.select_option("#c-ending", "30")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("ends in 25 days")
    shoot(page, "contracts-list")

    page.locator("#results a.row-link").click()
    expect(page.locator("h1")).to_have_text("年度维护合同 2026")
    wrong = tmp_path / "signed.pdf"
    wrong.write_bytes(samples.PNG)
    page.set_input_files("[data-upload-form] input[type=file]", str(wrong))
    page.locator("[data-upload-form] button[type=submit]").click()
    expect(page.locator("[data-upload-form] .field-error")).to_contain_text("The file is a PNG image but its name ends in “.pdf”.")
    shoot(page, "contract-upload-refused")
    good = tmp_path / "签字版.pdf"
    good.write_bytes(samples.PDF)
    page.set_input_files("[data-upload-form] input[type=file]", str(good))
    page.locator("[data-upload-form] button[type=submit]").click()
    link = page.locator("[data-documents] a", has_text="签字版.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == samples.PDF
    assert download.value.suggested_filename == "签字版.pdf"
    shoot(page, "contract-detail")

    page.goto(f"{live_server.url}/sales/contracts/{made['Cloud hosting'].pk}/edit/")
    page.fill("#id_end_date", "2000-01-01")
    page.locator("form.record-form button[type=submit]").click()
    expect(page.locator(".field.has-error")).to_contain_text("The end comes on or after the start.")
    shoot(page, "contract-form-error")

    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    section = page.locator("[data-account-contracts]")
    expect(section).to_contain_text("打印机租赁")
    expect(section.locator("li")).to_have_count(3)
    shoot(page, "account-contracts")


def test_the_renewal_todo_is_on_my_day(page, live_server, log_in, users, contracts_in_db):
    from rapport.sales.renewals import contract_send_renewal_reminders

    assert contract_send_renewal_reminders() == 1
    log_in(page, "north_rep")
    expect(page.locator("[data-activity]", has_text="Renew contract")).to_contain_text("年度维护合同 2026")


def test_a_return_is_recorded_and_refunded(page, live_server, log_in, users, catalogue):  # noqa: F811 (the fixture imported above)
    from rapport.customers.services import account_create
    from rapport.sales.billing import invoice_issue, payment_record
    from rapport.sales.orders import order_place, order_set_status

    rep = users["north_rep"]
    account = account_create(actor=rep, data={"name": "鲜丰农场"})
    lines = [{"product_id": catalogue["laptop"].pk, "quantity": "3"}, {"product_id": catalogue["cable"].pk, "quantity": "10"}]
    order = order_set_status(
        actor=rep, order=order_place(actor=rep, data={"account_id": account.pk, "currency": "CNY", "lines": lines}), status="shipped"
    )
    invoice = invoice_issue(actor=rep, order=order)
    payment_record(actor=rep, invoice=invoice, amount="10000.00", paid_on=str(timezone.localdate()), method="alipay")
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/orders/{order.pk}/returns/")
    form = page.locator("[data-return-form]")
    form.locator("select[name=line_id]").select_option(label="1. 笔记本电脑 X-200")
    form.locator("input[name=quantity]").fill("5")
    form.locator("input[name=reason]").fill("屏幕有坏点")
    form.locator("button[type=submit]").click()
    expect(page.locator(".field.has-error")).to_contain_text("Only 3 of this line can still be returned.")
    page.locator("[data-return-form] input[name=quantity]").fill("1")
    page.locator("[data-return-form] button[type=submit]").click()
    row = page.locator("[data-returns] tbody tr")
    expect(row).to_contain_text("Requested")
    shoot(page, "order-returns")
    row.locator("select[name=method]").select_option("alipay")
    row.get_by_role("button", name="Refund").click()
    expect(page.locator("[data-returns] tbody tr")).to_contain_text("Refunded")
    invoice.refresh_from_db()
    assert invoice.credited_amount == order.lines.get(position=1).returns.get().refund_amount
    page.goto(f"{live_server.url}/sales/returns/")
    expect(page.locator("#results tbody tr")).to_contain_text("鲜丰农场")
    shoot(page, "returns-list")


@pytest.mark.parametrize(("language", "renew"), [("en", "Renew for another term"), ("zh-hans", "再续一期")])
def test_an_ended_contract_offers_renewal_and_a_terminated_one_nothing(page, live_server, log_in, users, language, renew):
    from rapport.core.models import User
    from rapport.customers.services import account_create
    from rapport.sales.contract_terms import contracts_roll_over
    from rapport.sales.contracts import contract_create, contract_terminate

    User.objects.filter(pk=users["north_rep"].pk).update(language=language)
    today = timezone.localdate()
    account = account_create(actor=users["north_rep"], data={"name": "华星科技（上海）有限公司"})
    data = {"title": "办公设备租赁", "account_id": account.pk, "currency": "CNY", "value": "36000.00"}
    data |= {"start_date": str(today - dt.timedelta(days=400)), "end_date": str(today - dt.timedelta(days=35))}
    contract = contract_create(actor=users["north_rep"], data=data)
    assert contracts_roll_over(today=today).ended == 1
    log_in(page, "north_rep")
    page.goto(f"{live_server.url}/sales/contracts/{contract.pk}/")
    expect(page.locator("[data-renew-form]")).to_have_count(1)
    expect(page.locator("[data-terminate-form]")).to_have_count(0)
    expect(page.locator("[data-renew-form] button[type=submit]")).to_have_text(renew)
    shoot(page, f"contract-ended-{language}")
    renewed = contract_create(
        actor=users["north_rep"], data={**data, "title": "打印机租赁", "end_date": str(today + dt.timedelta(days=90))}
    )
    contract_terminate(actor=users["north_rep"], contract=renewed, ended_on=str(today))
    page.goto(f"{live_server.url}/sales/contracts/{renewed.pk}/")
    expect(page.locator("[data-renew-form], [data-terminate-form]")).to_have_count(0)
    shoot(page, f"contract-terminated-{language}")
