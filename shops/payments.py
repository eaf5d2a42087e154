"""Payment providers: how checkout takes (or does not take) the fan's money.

Checkout knows one small interface, `PaymentProvider`, and looks providers up by name in
`PAYMENT_PROVIDERS`. Two are built in:

- ``manual`` never charges. Orders are placed `awaiting_payment`; the creator marks them
  paid later (bank transfer, cash at a fair) through `shops.orders.order_mark_paid`.
- ``test`` is a simulated card for development and tests. Card numbers (spaces allowed):

  ====================  ==================================
  4242 4242 4242 4242   approved
  4000 0000 0000 0002   declined: "Your card was declined."
  anything else         "That card number is not valid."
  ====================  ==================================

  The expiry (MM/YY) must be this month or later and the CVC three digits. The number is
  never stored: the checkout keeps "test card •••• 4242" as its payment reference.

`authorize()` runs inside `shops.checkout.order_place`'s transaction. A decline raises
there and rolls everything back: no order, no stock taken, no event.

A hosted gateway with webhooks (Stripe Checkout, Mollie, Adyen…) plugs in without
touching checkout: its provider's `authorize()` creates the payment at the gateway and
returns ``PaymentResult(approved=False, pending=True, redirect_url=…)``. The orders are
placed `awaiting_payment` (as with ``manual``) and the fan is sent to `redirect_url`; the
gateway's webhook view (to add with the gateway, verifying the gateway's signature) finds
the checkout by `payment_reference` and calls `shops.orders.order_mark_paid` for each of
its orders, which is idempotent through the order state machine. Only ``manual`` and
``test`` exist today.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    reference: str = ""
    message: str = ""
    # The money is not taken yet (manual payment, or a hosted gateway that confirms by
    # webhook): the orders wait in `awaiting_payment`.
    pending: bool = False
    redirect_url: str = ""


class PaymentProvider(ABC):
    name: str = ""
    label: str = ""
    help_text: str = ""

    def clean(self, data: dict) -> dict:
        """Validate the provider's own form fields; raise ValidationError with the message
        the fan sees. Returns the data `authorize` needs."""
        return {}

    @abstractmethod
    def authorize(
        self, *, amount: Decimal, currency: str, reference: str, data: dict
    ) -> PaymentResult: ...


class ManualPayment(PaymentProvider):
    name = "manual"
    label = "Pay the creator directly (bank transfer)"
    help_text = (
        "Nothing is charged now: the creator sends you payment details and marks the order paid."
    )

    def authorize(self, *, amount, currency, reference, data) -> PaymentResult:
        return PaymentResult(
            approved=False, pending=True, message="Awaiting payment to the creator."
        )


TEST_CARD_APPROVED = "4242424242424242"
TEST_CARD_DECLINED = "4000000000000002"


class SimulatedCardPayment(PaymentProvider):
    name = "test"
    label = "Card (test mode)"
    help_text = "Simulated card: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined."

    def clean(self, data: dict) -> dict:
        errors = {}
        number = "".join(str(data.get("card_number") or "").split()).replace("-", "")
        if not number:
            errors["card_number"] = "Enter the card number."
        elif not number.isdigit() or len(number) != 16:
            errors["card_number"] = "That card number is not valid."
        expiry = str(data.get("card_expiry") or "").strip()
        try:
            month_text, year_text = expiry.split("/")
            month, year = int(month_text), 2000 + int(year_text)
            if not 1 <= month <= 12 or len(year_text.strip()) != 2:
                raise ValueError
        except ValueError:
            errors["card_expiry"] = "Enter the expiry date as MM/YY."
        else:
            today = timezone.localdate()
            if (year, month) < (today.year, today.month):
                errors["card_expiry"] = "This card has expired."
        cvc = str(data.get("card_cvc") or "").strip()
        if not (cvc.isdigit() and len(cvc) == 3):
            errors["card_cvc"] = "Enter the 3-digit security code."
        if errors:
            raise ValidationError(errors)
        return {"card_number": number, "card_expiry": expiry, "card_cvc": cvc}

    def authorize(self, *, amount, currency, reference, data) -> PaymentResult:
        number = self.clean(data)["card_number"]
        if number == TEST_CARD_APPROVED:
            return PaymentResult(approved=True, reference=f"test card •••• {number[-4:]}")
        if number == TEST_CARD_DECLINED:
            return PaymentResult(approved=False, message="Your card was declined.")
        return PaymentResult(approved=False, message="That card number is not valid.")


PAYMENT_PROVIDERS: dict[str, PaymentProvider] = {
    provider.name: provider for provider in (ManualPayment(), SimulatedCardPayment())
}


def payment_provider_get(name: str) -> PaymentProvider:
    try:
        return PAYMENT_PROVIDERS[name]
    except KeyError:
        raise ValidationError("Choose a payment method.", code="no_provider") from None
