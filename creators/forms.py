from allauth.account import forms as allauth_forms
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction

from core.images import ImageUploadField
from creators import notify, time_zones
from creators.handles import HANDLE_MAX_LENGTH, HANDLE_MIN_LENGTH, validate_handle
from creators.models import FAN_BIO_MAX_LENGTH, EmailMode, User
from creators.selectors import handle_is_taken
from creators.services import HANDLE_TAKEN


class CreatorProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=80, help_text="How fans see you, e.g. “Ana’s Ceramics”."
    )
    bio = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few words about you and what you make (up to 1,000 characters).",
    )
    avatar = ImageUploadField(
        required=False, help_text="Square works best. JPEG, PNG, WebP or GIF, up to 10 MB."
    )
    banner = ImageUploadField(
        required=False, help_text="Wide, about 3:1 (e.g. 1800 × 600). Up to 10 MB."
    )


class OpenShopForm(CreatorProfileForm):
    handle = forms.CharField(
        min_length=HANDLE_MIN_LENGTH,
        max_length=HANDLE_MAX_LENGTH,
        validators=[validate_handle],
        help_text="Your address: /@handle. 3–30 letters, digits or underscores.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        error_messages={
            "min_length": "A handle has 3 to 30 characters.",
            "max_length": "A handle has 3 to 30 characters.",
        },
    )
    field_order = ["handle", "display_name", "bio", "avatar", "banner"]

    def clean_handle(self):
        handle = self.cleaned_data["handle"].strip()
        if handle_is_taken(handle=handle):
            raise forms.ValidationError(HANDLE_TAKEN, code="handle_taken")
        return handle


class EditProfileForm(CreatorProfileForm):
    remove_avatar = forms.BooleanField(required=False, label="Remove the current avatar")
    remove_banner = forms.BooleanField(required=False, label="Remove the current banner")
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text=(
            "Your dashboard’s days begin and end at midnight here, and its times are shown "
            "in it. Changing it recomputes your metrics (a few minutes)."
        ),
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.initial.get("time_zone") or time_zones.default_time_zone()
        self.fields["time_zone"].choices = time_zones.choices(current=current)
        self.fields["time_zone"].initial = current
        if self.is_bound and "time_zone" not in self.data:
            # A post without the field (not from this form's page) keeps the zone.
            self.data = self.data.copy()
            self.data["time_zone"] = current


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name"]
        help_texts = {"name": "Optional. Shown only where you choose to be shown."}


class NotificationSettingsForm(forms.Form):
    """One choice per email topic (creators/notify.py), built from the registry."""

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        for topic in notify.topics_with_email():
            self.fields[topic.name] = forms.ChoiceField(
                label=topic.label,
                choices=EmailMode.choices,
                widget=forms.RadioSelect,
                help_text=f"Default: {topic.default.label.lower()}.",
            )


class FanProfileForm(forms.Form):
    """A fan's public profile settings (creators/fans.py): private unless they choose."""

    name = forms.CharField(
        label="Your name",
        max_length=120,
        required=False,
        help_text="Needed for a public profile: how people see you where you choose to be "
        "shown, e.g. “Ana” or “Li W.”. Never your email address.",
    )
    is_public = forms.BooleanField(
        label="Make my profile public",
        required=False,
        help_text="Off by default. Turn it off again at any time: everything listed above "
        "disappears at once.",
    )
    bio = forms.CharField(
        label="About you",
        max_length=FAN_BIO_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, up to 300 characters, shown on your public profile.",
    )


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up form (settings.ACCOUNT_FORMS), for sign-ups that race.

    allauth checks that the email is free in `clean_email`, and inserts the user later in
    `try_save`: two sign-ups with one email at the same instant both pass the check, and
    the second insert hits the unique email. That request is answered as if it had come
    a moment later — the form is validated again, so allauth's own rules for a taken
    email decide: with enumeration prevention and mandatory verification (our settings),
    "verification sent" and an "account already exists" email to the owner; otherwise
    the form with allauth's "email taken" error. The user, its address and whatever the
    sign-up writes are one transaction, so a loser leaves nothing behind.

    Both answers cost the same: a new account hashes its password (most of a sign-up's
    time), so a sign-up with a taken email hashes the password it was given too, and
    throws the hash away. Both send one email. Otherwise the time the page takes would
    tell whether an email has an account, which the identical page text does not.
    """

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            self.full_clean()  # clean_email now finds the account the other sign-up made
            if self.is_valid() and not self.account_already_exists:
                raise  # not the email: a real error
        if not self.is_valid():
            from allauth.account.views import SignupView

            view = SignupView()
            view.setup(request)
            raise ImmediateHttpResponse(view.form_invalid(self))  # AccountMiddleware answers
        return super().try_save(request)
