"""Quotes as PDF, rendered by WeasyPrint from an HTML template.

Fonts are named by family and found through fontconfig: Noto Sans CJK (Debian's
fonts-noto-cjk, installed by ./dev) renders Chinese, and WeasyPrint embeds the
glyphs it uses, so the PDF reads the same on a machine without the font.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from rapport.sales.catalog_models import Quote
from rapport.sales.quotes import quote_language, quote_lines


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # The template needs nothing from outside; text the user typed must not make the server fetch a URL.
    raise ValueError(f"PDF documents load no external resources ({url[:80]})")


def quote_pdf(*, quote: Quote, language: str | None = None) -> bytes:
    """The quote as it is now (call with a quote the user may see), in ``language`` or the customer's (``quote_language``)."""
    with translation.override(quote_language(quote=quote, asked=language)):
        html = render_to_string(
            "sales/pdf/quote.html",
            {"quote": quote, "lines": quote_lines(quote=quote), "company": getattr(settings, "RAPPORT_COMPANY_NAME", "Rapport")},
        )
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf() or b""
