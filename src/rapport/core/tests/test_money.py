from datetime import date
from decimal import Decimal

import pytest

from rapport.common.errors import NotFound, ValidationFailed
from rapport.common.money import Money
from rapport.core.selectors import convert_to_base
from rapport.core.services import exchange_rate_set


def test_money_rounds_by_currency_minor_units():
    assert Money(Decimal("10.005"), "usd").rounded() == Money(Decimal("10.00"), "USD")
    assert Money(Decimal("10.015"), "USD").rounded().amount == Decimal("10.02")
    assert Money(Decimal("1234.5"), "JPY").rounded().amount == Decimal("1234")


def test_money_refuses_unknown_currency_and_mixing():
    with pytest.raises(ValidationFailed) as exc:
        Money(Decimal(1), "ABC")
    assert "currency" in exc.value.field_errors
    with pytest.raises(ValueError):
        Money(Decimal(1), "USD") + Money(Decimal(1), "EUR")


@pytest.mark.django_db
def test_conversion_uses_the_rate_valid_on_the_day(users):
    admin = users["admin"]
    exchange_rate_set(actor=admin, currency="USD", rate_to_base=Decimal("7.00"), valid_from=date(2026, 1, 1))
    exchange_rate_set(actor=admin, currency="USD", rate_to_base=Decimal("7.20"), valid_from=date(2026, 6, 1))
    assert convert_to_base(Money(Decimal("100"), "USD"), on=date(2026, 3, 1)) == Money(Decimal("700.00"), "CNY")
    assert convert_to_base(Money(Decimal("100"), "USD"), on=date(2026, 7, 1)) == Money(Decimal("720.00"), "CNY")
    assert convert_to_base(Money(Decimal("5"), "CNY"), on=date(2020, 1, 1)) == Money(Decimal("5.00"), "CNY")
    with pytest.raises(NotFound):
        convert_to_base(Money(Decimal("1"), "USD"), on=date(2025, 1, 1))
