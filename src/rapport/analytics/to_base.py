"""Amounts in the base currency for analyses over many rows: one rate lookup per currency and day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rapport.common.errors import NotFound
from rapport.common.money import Money
from rapport.core.selectors import base_currency, rate_to_base


class ToBase:
    """Converts at the rate valid on the given day; a currency without a rate gives None and is noted in ``missing``.

    Analyses leave such amounts out and report the currency: a guessed rate would be worse than a visible gap.
    """

    def __init__(self) -> None:
        self.base = base_currency()
        self.rates: dict[tuple[str, date], Decimal | None] = {}
        self.missing: set[str] = set()

    def __call__(self, amount: Any, currency: str, on: date) -> Decimal | None:
        key = (currency, on)
        if key not in self.rates:
            try:
                self.rates[key] = rate_to_base(currency, on=on)
            except NotFound:
                self.rates[key] = None
        rate = self.rates[key]
        if rate is None:
            self.missing.add(currency)
            return None
        return Money(Decimal(amount) * rate, self.base).rounded().amount
