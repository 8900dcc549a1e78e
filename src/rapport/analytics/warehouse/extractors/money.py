"""Amounts in the base currency, at the exchange rate in force on each row's day.

Rates are read once per build. A row whose currency has no rate on its day gets no base amount (null):
aggregates leave it out rather than count it at a wrong rate. Rates entered after a row was extracted
apply from the next full build.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rapport.core.models import ExchangeRate
from rapport.core.selectors import base_currency

AMOUNT = pa.decimal128(18, 2)
RATE = pa.decimal128(18, 8)


def base_amount_converter() -> Callable[[pa.Array, pa.Array, pa.Array], pa.Array]:
    """A function (amounts, currencies, days) -> amounts in the base currency, rounded to cents."""
    base = base_currency()
    rates: dict[str, tuple[np.ndarray, list[Decimal]]] = {}
    for currency, valid_from, rate in ExchangeRate.objects.order_by("currency", "valid_from").values_list(
        "currency", "valid_from", "rate_to_base"
    ):
        days, values = rates.setdefault(currency, (np.empty(0, "datetime64[D]"), []))
        rates[currency] = (np.append(days, np.datetime64(valid_from, "D")), [*values, rate])

    def convert(amounts: pa.Array, currencies: pa.Array, days: pa.Array) -> pa.Array:
        codes = np.asarray(currencies.to_pylist(), dtype=object)
        on = days.to_numpy(zero_copy_only=False).astype("datetime64[D]")
        per_row: list[Decimal | None] = [None] * len(codes)
        for code in set(codes.tolist()):
            rows = np.flatnonzero(codes == code)
            if code == base:
                for one in rows.tolist():
                    per_row[one] = Decimal(1)
                continue
            if code not in rates:
                continue
            valid_from, values = rates[code]
            found = np.searchsorted(valid_from, on[rows], side="right") - 1
            for row, at in zip(rows.tolist(), found.tolist(), strict=True):
                per_row[row] = values[at] if at >= 0 else None
        product = pc.multiply(amounts.cast(AMOUNT), pa.array(per_row, RATE))
        return pc.round(product, ndigits=2, round_mode="half_to_even").cast(AMOUNT)

    return convert
