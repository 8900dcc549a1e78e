"""The catalogue pages: products (search, category, pages) and price books, read by all, changed by administrators."""

from __future__ import annotations

from decimal import Decimal

from rapport.sales.catalog_models import PriceBook, PriceBookEntry, Product


def test_product_list_searches_filters_and_pages_within_budget(users, client_for, catalogue, django_assert_max_num_queries):
    from rapport.sales.products import product_create

    for i in range(55):
        product_create(actor=users["admin"], data={"sku": f"P-{i:03d}", "name": f"Part {i:03d}", "category": "parts"})
    client = client_for(users["north_rep"])
    client.get("/sales/products/")
    with django_assert_max_num_queries(7):
        first = client.get("/sales/products/")
    assert len(first.context["page"].items) == 50 and first.context["page"].next_cursor
    assert "laptops" in first.context["categories"] and first.context["may_manage"] is False
    second = client.get("/sales/products/", {"cursor": first.context["page"].next_cursor})
    assert len(second.context["page"].items) == 57 - 50  # 55 parts and 2 products still sold (the old laptop is not)
    found = client.get("/sales/products/", {"q": "x-2"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert [p.sku for p in found.context["page"].items] == ["X-200"] and found.content.decode().startswith('<div id="results"')
    assert [p.sku for p in client.get("/sales/products/", {"category": "accessories"}).context["page"].items] == ["C-1"]
    assert [p.sku for p in client.get("/sales/products/", {"active": "no"}).context["page"].items] == ["X-100"]
    assert client.get("/sales/products/", {"cursor": "garbage"}).status_code == 422


def test_only_an_administrator_changes_products(users, client_for, catalogue):
    laptop = catalogue["laptop"]
    rep = client_for(users["north_rep"])
    assert rep.get("/sales/products/new/")["Location"] == "/sales/products/"
    page = rep.get(f"/sales/products/{laptop.pk}/")
    assert page.status_code == 200 and b"data-product-form" not in page.content
    assert [e.unit_price for e in page.context["prices"]] == [Decimal("5999.00")]
    rep.post(
        f"/sales/products/{laptop.pk}/", {"sku": "X-200", "name": "Renamed", "unit": "pcs", "tax_rate": "13", "version": laptop.version}
    )
    assert Product.objects.get(pk=laptop.pk).name == laptop.name
    admin = client_for(users["admin"])
    bad = admin.post("/sales/products/new/", {"sku": "x-200", "name": "Copy", "unit": "pcs", "tax_rate": "130"})
    assert bad.status_code == 422
    assert bad.context["form"].errors == {"sku": ["Another product has this SKU."], "tax_rate": ["A percentage is between 0 and 100."]}
    made = admin.post(
        "/sales/products/new/",
        {"sku": "M-1", "name": "Mouse", "category": "accessories", "unit": "pcs", "tax_rate": "13", "is_active": "on"},
    )
    mouse = Product.objects.get(sku="M-1")
    assert made["Location"] == f"/sales/products/{mouse.pk}/" and mouse.is_active
    saved = admin.post(
        f"/sales/products/{mouse.pk}/", {"sku": "M-1", "name": "Wireless mouse", "unit": "pcs", "tax_rate": "13", "version": mouse.version}
    )
    assert saved.status_code == 302 and Product.objects.get(pk=mouse.pk).name == "Wireless mouse"
    stale = admin.post(
        f"/sales/products/{mouse.pk}/", {"sku": "M-1", "name": "Other", "unit": "pcs", "tax_rate": "13", "version": mouse.version}
    )
    assert stale.status_code == 422 and Product.objects.get(pk=mouse.pk).name == "Wireless mouse"
    assert client_for(users["admin"]).get("/sales/products/99999/").status_code == 404


def test_price_books_and_their_prices(users, client_for, catalogue, make_account, django_assert_max_num_queries):
    admin = client_for(users["admin"])
    group = make_account(users["admin"], name="华通集团")
    refused = admin.post("/sales/price-books/new/", {"name": "Group", "currency": "CNY", "account_id": group.pk, "tag": "vip"})
    assert refused.status_code == 422 and refused.context["form"].errors["tag"] == [
        "A price book is for an account group or for a tag, not both."
    ]
    duplicate = admin.post("/sales/price-books/new/", {"name": "Other CNY", "currency": "CNY", "is_default": "on"})
    assert duplicate.context["form"].errors["is_default"] == ["There is a default price book in CNY already."]
    made = admin.post("/sales/price-books/new/", {"name": "Huatong group", "currency": "CNY", "account_id": group.pk})
    book = PriceBook.objects.get(name="Huatong group")
    assert made["Location"] == f"/sales/price-books/{book.pk}/" and book.account_id == group.pk
    bad = admin.post(f"/sales/price-books/{book.pk}/prices/", {"product_id": catalogue["laptop"].pk, "unit_price": "5,499"})
    assert bad.status_code == 422 and bad.context["form"].errors["unit_price"] == ["“5,499” is not an amount."]
    admin.post(f"/sales/price-books/{book.pk}/prices/", {"product_id": catalogue["laptop"].pk, "unit_price": "5499.00"})
    assert PriceBookEntry.objects.get(book=book).unit_price == Decimal("5499.00")
    rep = client_for(users["north_rep"])
    assert rep.get("/sales/price-books/new/")["Location"] == "/sales/price-books/"
    denied = rep.post(f"/sales/price-books/{book.pk}/prices/", {"product_id": catalogue["laptop"].pk, "unit_price": "1.00"})
    assert denied.status_code == 422 and PriceBookEntry.objects.get(book=book).unit_price == Decimal("5499.00")
    rep.get("/sales/price-books/")
    with django_assert_max_num_queries(6):
        listed = rep.get("/sales/price-books/")
    assert {b.name: b.entry_count for b in listed.context["books"]} == {"Standard CNY": 3, "Huatong group": 1, "Standard USD": 1}
