from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shops.payments import PAYMENT_PROVIDERS, payment_provider_get

CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12/99", "card_cvc": "123"}


def _authorize(name, data):
    return PAYMENT_PROVIDERS[name].authorize(
        amount=Decimal("10.00"), currency="EUR", reference="ref", data=data
    )


def test_registry_holds_manual_and_test():
    assert set(PAYMENT_PROVIDERS) == {"manual", "test"}
    assert payment_provider_get("test").name == "test"
    with pytest.raises(ValidationError):
        payment_provider_get("bitcoin")


def test_manual_never_charges():
    result = _authorize("manual", {})
    assert not result.approved
    assert result.pending


def test_test_card_approves_and_keeps_only_the_last_four():
    result = _authorize("test", CARD)
    assert result.approved
    assert result.reference.endswith("4242")
    assert "4242424242424242" not in result.reference


def test_test_card_declines():
    result = _authorize("test", {**CARD, "card_number": "4000 0000 0000 0002"})
    assert not result.approved and not result.pending
    assert result.message == "Your card was declined."


def test_unknown_number_is_invalid():
    result = _authorize("test", {**CARD, "card_number": "5555 5555 5555 4444"})
    assert not result.approved
    assert result.message == "That card number is not valid."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("card_number", "4242", "That card number is not valid."),
        ("card_number", "", "Enter the card number."),
        ("card_expiry", "01/20", "This card has expired."),
        ("card_expiry", "13/99", "Enter the expiry date as MM/YY."),
        ("card_expiry", "1299", "Enter the expiry date as MM/YY."),
        ("card_cvc", "12", "Enter the 3-digit security code."),
        ("card_cvc", "abc", "Enter the 3-digit security code."),
    ],
)
def test_card_fields_are_validated(field, value, message):
    with pytest.raises(ValidationError) as caught:
        PAYMENT_PROVIDERS["test"].clean({**CARD, field: value})
    assert caught.value.message_dict[field] == [message]
