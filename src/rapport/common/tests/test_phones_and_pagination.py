from __future__ import annotations

import pytest

from rapport.common.errors import ValidationFailed
from rapport.common.phones import normalise_phone, phone_search_key


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("138 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("010 6552 9988", "+861065529988"),
        ("+1 (650) 253-0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_normalise_to_e164(typed, e164):
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize("typed", ["12", "hello", "+86 123", ""])
def test_bad_numbers_name_the_field(typed):
    with pytest.raises(ValidationFailed) as exc:
        normalise_phone(typed, field="phones[0]")
    assert list(exc.value.field_errors) == ["phones[0]"]


def test_search_key_ignores_words():
    assert phone_search_key("Zhang Wei") is None
    assert phone_search_key("13800138000") == "+8613800138000"


@pytest.mark.parametrize("typed", ["Secret7351d62761a5", "1-800-FLOWERS", "Room 13800138000", "13800138000abc"])
def test_search_key_refuses_text_with_letters_around_digits(typed):
    # A name or code with enough digits in it must still be searched as text.
    assert phone_search_key(typed) is None


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("+86 138-0013-8000", "+8613800138000"), ("(010) 6552 9988", "+861065529988"), ("+1 415 555 0100 x12", "+14155550100")],
)
def test_search_key_reads_numbers_as_people_type_them(typed, e164):
    assert phone_search_key(typed) == e164
