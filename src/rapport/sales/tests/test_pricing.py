"""Line and document totals against numbers worked out by hand, and which price book applies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.sales.pricing import Price, document_totals, line_amounts, price_for

D = Decimal


def _price(**kwargs: object) -> Price:
    found = price_for(**kwargs)  # type: ignore[arg-type]
    assert found is not None, kwargs
    return found


def test_cny_totals_with_percent_and_fixed_discounts_and_two_tax_rates():
    laptops = line_amounts(
        quantity=D(3), unit_price=D("5999.00"), discount_percent=D(10), discount_amount=D(0), tax_rate=D(13), currency="CNY"
    )
    # 3 x 5999.00 = 17997.00; 10% off = 1799.70; net 16197.30; 13% tax = 2105.649 -> 2105.65
    assert (laptops.gross, laptops.discount, laptops.net, laptops.tax, laptops.total) == (
        D("17997.00"),
        D("1799.70"),
        D("16197.30"),
        D("2105.65"),
        D("18302.95"),
    )
    service = line_amounts(
        quantity=D(2), unit_price=D("333.33"), discount_percent=D(0), discount_amount=D("6.66"), tax_rate=D(6), currency="CNY"
    )
    # 666.66 - 6.66 = 660.00; 6% = 39.60
    assert (service.net, service.tax, service.total) == (D("660.00"), D("39.60"), D("699.60"))
    totals = document_totals([laptops, service], "CNY")
    assert totals.as_fields() == {
        "subtotal": D("18663.66"),
        "discount_total": D("1806.36"),
        "tax_total": D("2145.25"),
        "grand_total": D("19002.55"),
    }


def test_usd_totals_round_half_to_even():
    cheap = line_amounts(quantity=D(1), unit_price=D("2.50"), discount_percent=D(0), discount_amount=D(0), tax_rate=D(5), currency="USD")
    # 5% of 2.50 = 0.125: banker's rounding gives 0.12, not 0.13
    assert (cheap.tax, cheap.total) == (D("0.12"), D("2.62"))
    cables = line_amounts(quantity=D(7), unit_price=D("19.99"), discount_percent=D(15), discount_amount=D(0), tax_rate=D(5), currency="USD")
    # 139.93; 15% = 20.9895 -> 20.99; net 118.94; 5% = 5.947 -> 5.95
    assert (cables.gross, cables.discount, cables.tax, cables.total) == (D("139.93"), D("20.99"), D("5.95"), D("124.89"))
    assert document_totals([cheap, cables], "USD").as_fields() == {
        "subtotal": D("142.43"),
        "discount_total": D("20.99"),
        "tax_total": D("6.07"),
        "grand_total": D("127.51"),
    }


def test_a_discount_never_makes_a_line_negative():
    line = line_amounts(
        quantity=D(1), unit_price=D("10.00"), discount_percent=D(50), discount_amount=D("8.00"), tax_rate=D(13), currency="CNY"
    )
    assert (line.discount, line.net, line.tax, line.total) == (D("10.00"), D("0.00"), D("0.00"), D("0.00"))


def test_yen_has_no_minor_units():
    line = line_amounts(quantity=D(3), unit_price=D("333"), discount_percent=D("2.5"), discount_amount=D(0), tax_rate=D(10), currency="JPY")
    # 999; 2.5% = 24.975 -> 25; net 974; 10% = 97.4 -> 97
    assert (line.discount, line.tax, line.total) == (D(25), D(97), D(1071))


@pytest.mark.django_db
def test_a_subsidiary_pays_its_groups_price_and_others_the_default(users, catalogue, make_account):
    from rapport.sales.products import price_book_create, price_book_entry_set

    admin, rep = users["admin"], users["north_rep"]
    group = make_account(rep, "华星集团")
    subsidiary = make_account(rep, "华星上海", parent_id=group.pk)
    branch = make_account(rep, "华星上海浦东", parent_id=subsidiary.pk)
    outsider = make_account(rep, "Other Co")
    book = price_book_create(actor=admin, name="Huaxing group", currency="CNY", account_id=group.pk)
    price_book_entry_set(actor=admin, book=book, product_id=catalogue["laptop"].pk, unit_price="5400.00")
    laptop = catalogue["laptop"]
    for account in (group, subsidiary, branch):
        price = _price(account=account, product=laptop, currency="CNY")
        assert (price.unit_price, price.book.name) == (D("5400.00"), "Huaxing group"), account.name
    assert _price(account=outsider, product=laptop, currency="CNY").unit_price == D("5999.00")
    # The group book does not list the cable: the default book's price applies.
    assert _price(account=branch, product=catalogue["cable"], currency="CNY").unit_price == D("39.00")
    # Nothing lists the laptop in USD.
    assert price_for(account=branch, product=laptop, currency="USD") is None
    # The subsidiary's own book is nearer than its parent's.
    own = price_book_create(actor=admin, name="Huaxing Shanghai", currency="CNY", account_id=subsidiary.pk)
    price_book_entry_set(actor=admin, book=own, product_id=laptop.pk, unit_price="5300.00")
    assert _price(account=branch, product=laptop, currency="CNY").unit_price == D("5300.00")
    assert _price(account=group, product=laptop, currency="CNY").unit_price == D("5400.00")


@pytest.mark.django_db
def test_a_tagged_customer_group_gets_its_book(users, catalogue, make_account):
    from rapport.sales.products import price_book_create, price_book_entry_set

    admin, rep = users["admin"], users["north_rep"]
    school = make_account(rep, "No. 1 Middle School", tags=["education"])
    book = price_book_create(actor=admin, name="Education", currency="CNY", tag="education")
    price_book_entry_set(actor=admin, book=book, product_id=catalogue["laptop"].pk, unit_price="4999.00")
    assert _price(account=school, product=catalogue["laptop"], currency="CNY").unit_price == D("4999.00")


@pytest.mark.django_db
def test_only_administrators_change_the_catalogue(users, catalogue):
    from rapport.common.errors import PermissionDenied
    from rapport.sales.models import Product
    from rapport.sales.products import price_book_entry_set, product_create

    with pytest.raises(PermissionDenied):
        product_create(actor=users["manager"], data={"sku": "Z-1", "name": "Zed"})
    with pytest.raises(PermissionDenied):
        price_book_entry_set(actor=users["north_rep"], book=catalogue["cny"], product_id=catalogue["laptop"].pk, unit_price="1.00")
    assert not Product.objects.filter(sku="Z-1").exists()
    assert catalogue["cny"].entries.get(product=catalogue["laptop"]).unit_price == D("5999.00")
