"""Forms of the tastemaker lists (the services check the same rules again)."""

from django import forms

from shops.models import LIST_DESCRIPTION_MAX_LENGTH, LIST_NOTE_MAX_LENGTH, LIST_TITLE_MAX_LENGTH


class ListForm(forms.Form):
    title = forms.CharField(
        max_length=LIST_TITLE_MAX_LENGTH,
        help_text="For example “My favourite kitchen tools”.",
        error_messages={"required": "Give your list a title."},
    )
    description = forms.CharField(
        max_length=LIST_DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What ties these products together (plain text).",
    )


class NoteField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", LIST_NOTE_MAX_LENGTH)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Why you love it")
        kwargs.setdefault("help_text", f"A short note, up to {LIST_NOTE_MAX_LENGTH} characters.")
        super().__init__(**kwargs)


class NewListWithProductForm(ListForm):
    note = NoteField()


class AddToListForm(forms.Form):
    """Which of the fan's lists to add a product to. The list id is checked against the
    fan's own lists by the view (another user's id is a 404), not by choices here."""

    taste_list = forms.IntegerField(
        label="List", error_messages={"required": "Choose one of your lists."}
    )
    note = NoteField()


class NoteForm(forms.Form):
    note = NoteField()
