"""Orders from accepted quotes, invoices, payments (also two at once) and what a customer owes."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from rapport.common.errors import Conflict, NotFound, ValidationFailed

D = Decimal


def _accepted_quote(users, catalogue, make_account):
    from rapport.sales.quotes import quote_create, quote_set_status

    rep = users["north_rep"]
    account = make_account(rep, "华星上海")
    quote = quote_create(
        actor=rep,
        data={
            "account_id": account.pk,
            "title": "Laptops",
            "currency": "CNY",
            "lines": [{"product_id": catalogue["laptop"].pk, "quantity": "2"}],
        },
    )
    return quote_set_status(actor=rep, quote=quote, status="accepted")


@pytest.mark.django_db
def test_an_accepted_quote_becomes_one_order_with_its_lines(users, catalogue, make_account):
    from rapport.sales.billing import order_from_quote

    quote = _accepted_quote(users, catalogue, make_account)
    order = order_from_quote(actor=users["north_rep"], quote=quote)
    # 2 x 5999.00 = 11998.00 + 13% 1559.74
    assert (order.number, order.grand_total, order.tax_total, order.account_id) == (
        f"SO-{order.pk:06d}",
        D("13557.74"),
        D("1559.74"),
        quote.account_id,
    )
    assert [(line.description, line.quantity, line.line_total) for line in order.lines.all()] == [
        ("笔记本电脑 X-200", D("2.000"), D("13557.74"))
    ]
    with pytest.raises(Conflict):
        order_from_quote(actor=users["north_rep"], quote=quote)
    with pytest.raises(NotFound):
        order_from_quote(actor=users["south_rep"], quote=quote)


@pytest.mark.django_db
def test_payments_reduce_the_balance_and_overpaying_is_refused(users, catalogue, make_account):
    from rapport.sales.billing import account_balance, invoice_issue, order_from_quote, payment_record
    from rapport.sales.models import Payment

    rep = users["north_rep"]
    order = order_from_quote(actor=rep, quote=_accepted_quote(users, catalogue, make_account))
    invoice = invoice_issue(actor=rep, order=order, issued_on="2026-01-05", due_in_days=30)
    assert (invoice.amount, invoice.due_on, invoice.status) == (D("13557.74"), dt.date(2026, 2, 4), "open")
    payment_record(actor=rep, invoice=invoice, amount="5000.00", paid_on="2026-02-01", method="alipay")
    with pytest.raises(ValidationFailed) as refused:
        payment_record(actor=rep, invoice=invoice, amount="9000.00", paid_on="2026-02-10", method="bank_transfer")
    assert list(refused.value.field_errors) == ["amount"]
    assert Payment.objects.count() == 1
    [owed] = account_balance(user=rep, account=order.account, today=dt.date(2026, 2, 14))
    assert (owed.currency, owed.invoiced, owed.outstanding, owed.overdue, owed.max_days_late) == (
        "CNY",
        D("13557.74"),
        D("8557.74"),
        D("8557.74"),
        10,
    )
    payment_record(actor=rep, invoice=invoice, amount="8557.74", paid_on="2026-02-20", method="wechat_pay")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.settled_on, invoice.outstanding) == ("paid", dt.date(2026, 2, 20), D("0.00"))
    [settled] = account_balance(user=rep, account=order.account, today=dt.date(2026, 3, 1))
    assert (settled.outstanding, settled.overdue, settled.max_days_late, settled.average_days_late) == (D("0.00"), D("0.00"), 16, D("16.0"))
    assert account_balance(user=users["south_rep"], account=order.account) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database has no concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_are_both_counted(users, catalogue, make_account):
    from rapport.sales.billing import invoice_issue, order_from_quote, payment_record
    from rapport.sales.models import Invoice

    rep = users["north_rep"]
    order = order_from_quote(actor=rep, quote=_accepted_quote(users, catalogue, make_account))
    invoice = invoice_issue(actor=rep, order=order, issued_on="2026-01-05")
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def pay(amount: str) -> None:
        try:
            start.wait()
            payment_record(actor=rep, invoice=Invoice.objects.get(pk=invoice.pk), amount=amount, paid_on="2026-01-20", method="card")
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=pay, args=(amount,)) for amount in ("1000.00", "2000.00")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.payments.count(), invoice.outstanding) == (D("3000.00"), 2, D("10557.74"))
