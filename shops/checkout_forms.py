"""The checkout form: email, shipping address (physical goods only) and payment."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from shops.checkout import Address
from shops.payments import PAYMENT_PROVIDERS

# ISO 3166-1 alpha-2: the countries creators ship to today (EU, EEA, UK, CH, NA, AU/NZ, JP).
COUNTRIES = [
    ("AT", "Austria"),
    ("AU", "Australia"),
    ("BE", "Belgium"),
    ("BG", "Bulgaria"),
    ("CA", "Canada"),
    ("CH", "Switzerland"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DE", "Germany"),
    ("DK", "Denmark"),
    ("EE", "Estonia"),
    ("ES", "Spain"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("GR", "Greece"),
    ("HR", "Croatia"),
    ("HU", "Hungary"),
    ("IE", "Ireland"),
    ("IS", "Iceland"),
    ("IT", "Italy"),
    ("JP", "Japan"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("LV", "Latvia"),
    ("MT", "Malta"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("NZ", "New Zealand"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("RO", "Romania"),
    ("SE", "Sweden"),
    ("SI", "Slovenia"),
    ("SK", "Slovakia"),
    ("US", "United States"),
]
SHIPPING_FIELDS = (
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_postal_code",
    "ship_country",
)
CARD_FIELDS = ("card_number", "card_expiry", "card_cvc")


class CheckoutForm(forms.Form):
    email = forms.EmailField(help_text="Where your order confirmation goes.")
    ship_name = forms.CharField(label="Full name", max_length=120)
    ship_line1 = forms.CharField(label="Address", max_length=200)
    ship_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    ship_city = forms.CharField(label="City", max_length=100)
    ship_postal_code = forms.CharField(label="Postal code", max_length=20)
    ship_country = forms.ChoiceField(label="Country", choices=[("", "Choose…"), *COUNTRIES])
    payment_method = forms.ChoiceField(
        label="Payment",
        widget=forms.RadioSelect,
        choices=[(p.name, p.label) for p in PAYMENT_PROVIDERS.values()],
    )
    card_number = forms.CharField(
        label="Card number",
        required=False,
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    card_expiry = forms.CharField(
        label="Expiry (MM/YY)",
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "MM/YY"}),
    )
    card_cvc = forms.CharField(
        label="Security code (CVC)",
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    # Set by the review page: the total the fan saw, so a price change is not charged.
    reviewed_total = forms.DecimalField(
        max_digits=12, decimal_places=2, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, needs_shipping: bool, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        kwargs["initial"].setdefault("payment_method", "test")
        super().__init__(*args, **kwargs)
        self.needs_shipping = needs_shipping
        if not needs_shipping:
            for name in SHIPPING_FIELDS:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        for name in SHIPPING_FIELDS:
            if name in data and isinstance(data[name], str):
                data[name] = data[name].strip()
        provider = PAYMENT_PROVIDERS.get(data.get("payment_method", ""))
        if provider is not None:
            try:
                data["payment_data"] = provider.clean(data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        self.add_error(field if field in self.fields else None, errors)
                else:
                    self.add_error(None, exc)
        return data

    @property
    def provider(self):
        return PAYMENT_PROVIDERS[self.cleaned_data["payment_method"]]

    @property
    def address(self) -> Address | None:
        if not self.needs_shipping:
            return None
        data = self.cleaned_data
        return Address(
            name=data["ship_name"],
            line1=data["ship_line1"],
            line2=data.get("ship_line2", ""),
            city=data["ship_city"],
            postal_code=data["ship_postal_code"],
            country=data["ship_country"],
        )

    @property
    def country_name(self) -> str:
        return dict(COUNTRIES).get(self.cleaned_data.get("ship_country", ""), "")

    def shipping_fields(self):
        return [self[name] for name in SHIPPING_FIELDS if name in self.fields]

    def card_fields(self):
        return [self[name] for name in CARD_FIELDS]
