"""Catalogue pages: products (search, category, keyset pages) and price books with their prices.

Everyone signed in reads the catalogue (a rep quotes from it); only an
administrator changes it (``products.require_catalogue_manager``): the forms
are shown to administrators only and the services refuse anyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.common.errors import PermissionDenied, StaleVersion, ValidationFailed
from rapport.core import selectors as core_selectors
from rapport.core.models import User
from rapport.sales import products
from rapport.sales.catalog_models import PriceBook, Product
from rapport.sales.document_forms import PriceBookForm, PriceEntryForm, ProductForm
from rapport.sales.views.common import found, page_context, record_list
from rapport.sales.views.messages import refusal, translated

PICKER_LIMIT = 500


def _may_manage(user: User) -> bool:
    return user.is_administrator


def _only_managers(request: HttpRequest, user: User, to: str) -> HttpResponse | None:
    if _may_manage(user):
        return None
    messages.error(request, _("Only an administrator changes the catalogue and its prices."))
    return redirect(to)


# The page's "Sold" filter: still sold (the default), no longer sold, or all ("").
SOLD = {"": None, "yes": True, "no": False}


def _narrow_products(qs: QuerySet[Product], params: Mapping[str, Any]) -> QuerySet[Product]:
    q = str(params.get("q") or "").strip()
    if len(q) > 200:
        raise ValidationFailed.for_field("q", "At most 200 characters.")
    category = params.get("category") or None
    return products.products_narrow(qs, q=q or None, category=category, is_active=SOLD.get(params.get("active", "yes"), True))


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    return record_list(
        request,
        products.product_list(),
        tab="products",
        narrow=_narrow_products,
        sort="name",
        template="sales/catalog/product_list.html",
        partial="sales/catalog/_product_table.html",
        filter_choices=lambda: {"categories": products.product_categories(), "catalog_tab": "products"},
        not_filters=frozenset({"cursor", "active"}),
        labels={"q": gettext_lazy("Name or SKU"), "active": gettext_lazy("Sold")},
        may_manage=_may_manage(user),
    )


@login_required
def product_create(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    if refused := _only_managers(request, user, "sales:product_list"):
        return refused
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = products.product_create(actor=user, data=form.to_data(), via="web")
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        else:
            messages.success(request, _("Product %(sku)s added. Give it a price in a price book.") % {"sku": product.sku})
            return redirect("sales:product_detail", pk=product.pk)
    context = page_context("products", form=form, product=None, prices=[], may_manage=True)
    return render(request, "sales/catalog/product_detail.html", context, status=422 if form.errors else 200)


@login_required
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The product and its prices in every book; administrators change it here."""
    user = core_selectors.actor_of(request)
    product: Product = found(products.product_get, product_id=pk)
    may_manage = _may_manage(user)
    form = ProductForm(
        request.POST or None,
        initial={
            **{f: getattr(product, f) for f in products.PRODUCT_TEXT},
            "tax_rate": product.tax_rate,
            "is_active": product.is_active,
            "version": product.version,
        },
    )
    if request.method == "POST":
        if not may_manage:
            return _only_managers(request, user, "sales:product_list") or redirect("sales:product_list")
        if form.is_valid():
            try:
                products.product_update(
                    actor=user, product=product, data=form.to_data(), expected_version=form.cleaned_data.get("version"), via="web"
                )
            except StaleVersion:
                form.add_error(None, _("Someone else changed this product while you were editing it. Open it again to see their change."))
            except ValidationFailed as exc:
                form.apply_errors(translated(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("sales:product_detail", pk=pk)
    prices = list(product.prices.select_related("book").order_by("book__currency", "book__name"))
    context = page_context("products", form=form, product=product, prices=prices, may_manage=may_manage)
    return render(request, "sales/catalog/product_detail.html", context, status=422 if form.errors else 200)


@login_required
def price_book_list(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    books = list(products.price_book_list_with_counts()[:500])
    context = page_context("products", books=books, may_manage=_may_manage(user), catalog_tab="books")
    return render(request, "sales/catalog/price_book_list.html", context)


@login_required
def price_book_create(request: HttpRequest) -> HttpResponse:
    user = core_selectors.actor_of(request)
    if refused := _only_managers(request, user, "sales:price_book_list"):
        return refused
    form = PriceBookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        raw_account = data["account_id"]
        try:
            if raw_account and not raw_account.isdigit():
                raise ValidationFailed.for_field("account_id", f"No such record: {raw_account}.")
            book = products.price_book_create(
                actor=user,
                name=data["name"],
                currency=data["currency"],
                account_id=int(raw_account) if raw_account else None,
                tag=data["tag"],
                is_default=data["is_default"],
                via="web",
            )
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        else:
            messages.success(request, _("Price book created: now set its prices."))
            return redirect("sales:price_book_detail", pk=book.pk)
    return render(request, "sales/catalog/price_book_form.html", page_context("products", form=form), status=422 if form.errors else 200)


def _entry_form(data: Any = None) -> PriceEntryForm:
    form = PriceEntryForm(data)
    field: Any = form.fields["product_id"]
    field.widget.choices = [("", "—")] + [
        (str(p.pk), f"{p.sku} · {p.name}") for p in products.product_list().only("id", "sku", "name")[:PICKER_LIMIT]
    ]
    return form


@login_required
def price_book_detail(request: HttpRequest, pk: int, form: PriceEntryForm | None = None) -> HttpResponse:
    user = core_selectors.actor_of(request)
    book: PriceBook = found(products.price_book_get, book_id=pk)
    context = page_context(
        "products",
        book=book,
        entries=products.price_book_entries(book=book),
        may_manage=_may_manage(user),
        form=form or _entry_form(),
    )
    return render(request, "sales/catalog/price_book_detail.html", context, status=422 if form is not None else 200)


@login_required
@require_POST
def price_set(request: HttpRequest, pk: int) -> HttpResponse:
    user = core_selectors.actor_of(request)
    book: PriceBook = found(products.price_book_get, book_id=pk)
    form = _entry_form(request.POST)
    if form.is_valid():
        product_id = form.cleaned_data["product_id"]
        try:
            products.price_book_entry_set(
                actor=user,
                book=book,
                product_id=int(product_id) if product_id.isdigit() else 0,
                unit_price=form.cleaned_data["unit_price"],
                via="web",
            )
        except ValidationFailed as exc:
            form.apply_errors(translated(exc))
        except PermissionDenied as exc:
            form.add_error(None, refusal(exc))
        else:
            messages.success(request, _("Price saved."))
            return redirect("sales:price_book_detail", pk=pk)
    return price_book_detail(request, pk, form=form)
