"""Money is a Decimal with an ISO 4217 currency code; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from rapport.common.errors import ValidationFailed

# The ISO 4217 codes Rapport accepts; minor units decide rounding.
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "JPY": 0,
    "HKD": 2,
    "TWD": 2,
    "SGD": 2,
    "KRW": 0,
    "AUD": 2,
    "CAD": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "INR": 2,
    "RUB": 2,
    "BRL": 2,
    "MXN": 2,
    "ZAR": 2,
    "NZD": 2,
    "THB": 2,
    "MYR": 2,
    "IDR": 2,
    "VND": 0,
    "PHP": 2,
    "AED": 2,
    "SAR": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "TRY": 2,
}


def validate_currency(code: str, *, field: str = "currency") -> str:
    normalised = (code or "").strip().upper()
    if normalised not in CURRENCY_MINOR_UNITS:
        raise ValidationFailed.for_field(field, f"'{code}' is not a supported ISO 4217 currency code.")
    return normalised


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", validate_currency(self.currency))
        try:
            object.__setattr__(self, "amount", Decimal(self.amount))
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise ValidationFailed.for_field("amount", "is not a number.") from exc

    def rounded(self) -> Money:
        places = CURRENCY_MINOR_UNITS[self.currency]
        quantum = Decimal(1).scaleb(-places)
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_EVEN), self.currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"Cannot add {other.currency} to {self.currency}; convert first.")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.rounded().amount:,} {self.currency}"
