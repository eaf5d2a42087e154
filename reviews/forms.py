"""Review forms: types and messages here; the rules (buyers only, limits) in services."""

from django import forms

from reviews.models import (
    MAX_REVIEW_PHOTOS,
    REVIEW_TEXT_MAX,
    REVIEW_TITLE_MAX,
    ReportReason,
)
from reviews.services import ReviewInput
from shops.forms import MultipleImageField

RATING_CHOICES = [(n, f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a rating from 1 to 5 stars.",
            "invalid_choice": "A rating is 1 to 5 stars.",
        },
    )
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=REVIEW_TITLE_MAX,
        help_text="Sum it up in a few words.",
    )
    body = forms.CharField(
        label="Your review",
        required=False,
        max_length=REVIEW_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"What did you like, what could be better? Up to {REVIEW_TEXT_MAX:,} characters.",
        error_messages={
            "max_length": f"Keep the review to {REVIEW_TEXT_MAX:,} characters "
            "(it has %(show_value)d)."
        },
    )
    photos = MultipleImageField(
        label="Photos",
        required=False,
        max_files=MAX_REVIEW_PHOTOS,
        help_text=f"Up to {MAX_REVIEW_PHOTOS} photos: JPEG, PNG, WebP or GIF.",
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label="Remove photos", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, existing_photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_photos = list(existing_photos)
        if self.existing_photos:
            self.fields["remove_photos"].choices = [
                (p.pk, f"Photo {n}") for n, p in enumerate(self.existing_photos, start=1)
            ]
        else:
            del self.fields["remove_photos"]

    def review_input(self) -> ReviewInput:
        data = self.cleaned_data
        return ReviewInput(
            rating=data["rating"],
            title=data.get("title", ""),
            body=data.get("body", ""),
            photos=data.get("photos") or [],
            remove_photo_ids=data.get("remove_photos") or [],
        )


class ResponseForm(forms.Form):
    body = forms.CharField(
        label="Your public response",
        max_length=REVIEW_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown under the review with your Creator badge. You can edit it later.",
        error_messages={"required": "Write your response first."},
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this review?",
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are reporting this review."},
    )
    note = forms.CharField(
        label="Anything our team should know",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewEmailPreferencesForm(forms.Form):
    review_requests = forms.BooleanField(
        label="Email me a few days after an order arrives, inviting me to review it",
        required=False,
    )
