"""Catalogue test data: a laptop and an installation service priced in CNY and USD."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def catalogue(users: dict[str, Any]) -> dict[str, Any]:
    from rapport.sales.products import price_book_create, price_book_entry_set, product_create

    admin = users["admin"]
    laptop = product_create(actor=admin, data={"sku": "X-200", "name": "笔记本电脑 X-200", "category": "laptops", "tax_rate": "13"})
    cable = product_create(actor=admin, data={"sku": "C-1", "name": "USB-C cable", "category": "accessories", "tax_rate": "5"})
    old = product_create(actor=admin, data={"sku": "X-100", "name": "Old laptop", "is_active": False})
    cny = price_book_create(actor=admin, name="Standard CNY", currency="CNY", is_default=True)
    usd = price_book_create(actor=admin, name="Standard USD", currency="USD", is_default=True)
    price_book_entry_set(actor=admin, book=cny, product_id=laptop.pk, unit_price="5999.00")
    price_book_entry_set(actor=admin, book=cny, product_id=cable.pk, unit_price="39.00")
    price_book_entry_set(actor=admin, book=cny, product_id=old.pk, unit_price="2999.00")
    price_book_entry_set(actor=admin, book=usd, product_id=cable.pk, unit_price="19.99")
    return {"laptop": laptop, "cable": cable, "old": old, "cny": cny, "usd": usd}
