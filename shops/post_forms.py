"""The Studio's post form: types and formats here, the rules in the post services."""

from django import forms

from creators.models import POST_BODY_MAX_LENGTH, POST_MAX_IMAGES, Post, PostVisibility
from creators.posts import PostAction
from shops.forms import MultipleImageField
from shops.models import POST_MAX_PRODUCTS, Product


class TaggedProductsField(forms.TypedMultipleChoiceField):
    """Checkboxes of the creator's own products. Any id passes the form, so the service
    answers a tampered one with its clear message ("not from your shop")."""

    def valid_value(self, value) -> bool:
        return str(value).isdigit()


class PostForm(forms.Form):
    body = forms.CharField(
        label="Post",
        max_length=POST_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, *italic*, lists and links. HTML is shown as text.",
    )
    is_question = forms.BooleanField(
        label="Ask your fans a question",
        required=False,
        help_text="The post is shown as a question that invites fans to answer.",
    )
    images = MultipleImageField(
        required=False,
        max_files=POST_MAX_IMAGES,
        help_text=f"Up to {POST_MAX_IMAGES} images. JPEG, PNG, WebP or GIF, up to 10 MB each.",
    )
    image_alt = forms.CharField(
        label="Describe the new images",
        max_length=200,
        required=False,
        help_text="For people who can’t see them.",
    )
    link_url = forms.CharField(
        label="Video or link URL",
        max_length=500,
        required=False,
        help_text="Shown as a link card under the post (https://…). Nothing is embedded.",
    )
    products = TaggedProductsField(
        label="Feature products from your shop",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Shown under the post with an Add to cart button. Up to {POST_MAX_PRODUCTS}.",
    )
    visibility = forms.ChoiceField(
        label="Who can see it",
        choices=PostVisibility.choices,
        initial=PostVisibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    action = forms.ChoiceField(
        label="When",
        choices=PostAction.choices,
        initial=PostAction.PUBLISH,
        widget=forms.RadioSelect,
    )
    publish_at = forms.DateTimeField(
        label="Publish at (UTC)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Only for “Schedule for later”.",
        error_messages={"invalid": "Enter a date and time, e.g. 2026-12-24 18:00."},
    )

    def __init__(self, *args, products: list[Product], post: Post | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(p.pk, p.title) for p in products]
        if not products:
            self.fields["products"].help_text = "Publish products in your shop to feature them."
        self.post = post
        self.current_images = list(post.images.all()) if post else []
        if self.current_images:
            self.fields["images"].label = "Add images"
            self.fields["remove_images"] = forms.TypedMultipleChoiceField(
                label="Remove images",
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[
                    (image.pk, f"Image {n}{': ' + image.alt_text if image.alt_text else ''}")
                    for n, image in enumerate(self.current_images, start=1)
                ],
            )
        if post is not None and post.is_published:
            # A published post stays published: there is nothing to choose.
            del self.fields["action"]
            del self.fields["publish_at"]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        images = data.pop("images")
        product_ids = data.pop("products")
        remove = data.pop("remove_images", [])
        data.setdefault("action", PostAction.PUBLISH)
        data.setdefault("publish_at", None)
        if self.post is None:
            return {**data, "images": images, "product_ids": product_ids}
        return {
            **data,
            "new_images": images,
            "remove_image_ids": remove,
            "product_ids": product_ids,
        }
