"""Shop forms (products, shipping): types and formats here; the rules in services."""

from django import forms
from django.core.exceptions import ValidationError

from core.images import ACCEPT_ATTRIBUTE, CleanImage, clean_image_upload
from shops.downloads import DIGITAL_FILE_MAX_BYTES
from shops.models import ProductKind
from shops.services import MAX_PRODUCT_IMAGES, MAX_PRODUCT_TAGS


def money_field(*, what: str, plural: str, example: str, **kwargs) -> forms.DecimalField:
    """A Decimal amount ≥ 0 with two places, as the models hold money, and messages that
    name it ("Enter a price as a number, e.g. 24.99.")."""
    too_big = f"{plural} go up to 99,999,999.99."
    errors = {
        "invalid": f"Enter {what} as a number, e.g. {example}.",
        "min_value": f"{what[0].upper()}{what[1:]} can’t be negative.",
        "max_decimal_places": f"Use at most 2 decimal places (e.g. {example}).",
        "max_digits": too_big,
        "max_whole_digits": too_big,
        **kwargs.pop("error_messages", {}),
    }
    return forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, error_messages=errors, **kwargs
    )


PRICE = {"what": "a price", "plural": "Prices", "example": "24.99"}
AMOUNT = {"what": "an amount", "plural": "Amounts", "example": "4.50"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several images in one input; each goes through the shared upload gate.

    The pattern of Django's "Uploading multiple files" docs, with `clean_image_upload` run
    on every file. Cleans to a list of `CleanImage`.
    """

    def __init__(self, *args, max_files: int = MAX_PRODUCT_IMAGES, **kwargs):
        self.max_files = max_files
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[CleanImage]:
        uploads = data if isinstance(data, list | tuple) else [data]
        uploads = [upload for upload in uploads if upload]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > self.max_files:
            raise ValidationError(
                f"Choose at most {self.max_files} images at a time.", code="too_many"
            )
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(clean_image_upload(super().clean(upload, initial)))
            except ValidationError as exc:
                errors.extend(f"{upload.name}: {message}" for message in exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class ProductForm(forms.Form):
    title = forms.CharField(max_length=120)
    description = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, *italic*, lists and links. HTML is shown as text.",
    )
    price = money_field(**PRICE)
    compare_at_price = money_field(
        **PRICE,
        label="Compare-at price",
        required=False,
        help_text="The former price, shown struck through. Must be above the price.",
    )
    kind = forms.ChoiceField(
        choices=ProductKind.choices, initial=ProductKind.PHYSICAL, widget=forms.RadioSelect
    )
    stock = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text="Units available. Leave empty for unlimited (digital products only).",
        error_messages={"invalid": "Enter a whole number of units, e.g. 12."},
    )
    sku = forms.CharField(label="SKU", max_length=64, required=False)
    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text=f"Comma-separated, e.g. “ceramics, gift”. Up to {MAX_PRODUCT_TAGS}.",
    )
    images = MultipleImageField(
        required=False,
        help_text=f"Up to {MAX_PRODUCT_IMAGES} images; the first is the cover. "
        "JPEG, PNG, WebP or GIF, up to 10 MB each.",
    )

    digital_file = forms.FileField(
        label="File to deliver",
        required=False,
        max_length=200,
        help_text=f"Digital products: the file buyers download after paying (any type, up to "
        f"{DIGITAL_FILE_MAX_BYTES // (1024 * 1024)} MB). Kept private; never public.",
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if currency:
            self.fields["price"].label = f"Price ({currency})"
            self.fields["compare_at_price"].label = f"Compare-at price ({currency})"

    def clean_tags(self) -> list[str]:
        return [name for name in self.cleaned_data["tags"].split(",") if name.strip()]


class ProductEditForm(ProductForm):
    """The product form plus, per current image, a position, a description (alt text) and a
    remove box; and a remove box for the current download."""

    def __init__(self, *args, product_images=(), current_download: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["images"].label = "Add images"
        if current_download:
            self.fields["digital_file"].label = "Replace the file to deliver"
            self.fields["digital_file"].help_text = (
                f"Current file: {current_download}. " + self.fields["digital_file"].help_text
            )
            self.fields["remove_digital_file"] = forms.BooleanField(
                label=f"Remove the current file ({current_download})", required=False
            )
        self.product_images = list(product_images)
        self.image_field_names = {
            f"{prefix}_{image.pk}"
            for image in self.product_images
            for prefix in ("position", "alt", "remove")
        }
        for image in self.product_images:
            number = image.position + 1
            self.fields[f"position_{image.pk}"] = forms.IntegerField(
                label=f"Position of image {number}",
                min_value=1,
                max_value=MAX_PRODUCT_IMAGES,
                required=False,
            )
            self.initial.setdefault(f"position_{image.pk}", number)
            self.fields[f"alt_{image.pk}"] = forms.CharField(
                label=f"Description of image {number}",
                max_length=200,
                required=False,
            )
            self.initial.setdefault(f"alt_{image.pk}", image.alt_text)
            self.fields[f"remove_{image.pk}"] = forms.BooleanField(
                label=f"Remove image {number}", required=False
            )

    def image_rows(self):
        """(image, position field, alt text field, remove field) for the template."""
        return [
            (
                image,
                self[f"position_{image.pk}"],
                self[f"alt_{image.pk}"],
                self[f"remove_{image.pk}"],
            )
            for image in self.product_images
        ]

    def visible_product_fields(self):
        return [f for f in self.visible_fields() if f.name not in self.image_field_names]

    def image_changes(self) -> dict:
        data = self.cleaned_data
        remove, positions, alt_texts = [], {}, {}
        for image in self.product_images:
            if data.get(f"remove_{image.pk}"):
                remove.append(image.pk)
            position = data.get(f"position_{image.pk}")
            if position is not None:
                positions[image.pk] = position - 1
            alt_texts[image.pk] = data.get(f"alt_{image.pk}", "")
        return {"remove_image_ids": remove, "positions": positions, "alt_texts": alt_texts}

    def product_data(self) -> dict:
        data = {
            key: value
            for key, value in self.cleaned_data.items()
            if key not in self.image_field_names and key != "images"
        }
        return {**data, "new_images": self.cleaned_data["images"], **self.image_changes()}


class ShippingForm(forms.Form):
    """The shop's shipping settings; the rule that applies them is in shops/shipping.py."""

    shipping_rate = money_field(
        **AMOUNT,
        label="Shipping per order",
        error_messages={"required": "Enter a rate (0 for free)."},
        help_text="Charged once per order that holds physical goods, however many items it "
        "has. 0 means shipping is always free. Orders of digital goods only never pay it.",
    )
    free_shipping_from = money_field(
        **AMOUNT,
        label="Free shipping from",
        required=False,
        help_text="Orders whose subtotal reaches this amount ship free. Leave empty to "
        "always charge the rate.",
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if currency:
            for name in ("shipping_rate", "free_shipping_from"):
                self.fields[name].label = f"{self.fields[name].label} ({currency})"
