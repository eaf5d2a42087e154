"""A fan's email address is shown only to the fan and, on an order, to the shop that must
fulfil it. Creators see followers, commenters and buyers by their public name (or "A fan").

The dashboard's own test proves the page (tests/creators/test_dashboard.py); this one
keeps the next template from doing it: every template line that prints an email address
(or a user's full/short name, which fall back to it) is listed below with the reason it
may, and Python code never uses the fallbacks to show someone to someone else.
"""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SHOWS_EMAIL = re.compile(r"\.email\b|get_full_name|get_short_name")

# template → why it may show an email address
ALLOWED_TEMPLATES = {
    "templates/creators/account.html": "the fan's own address, on their account page",
    "templates/account/email_change.html": "the signed-in person's own addresses (allauth's)",
    "templates/staff_only.html": "the signed-in person's own address, refused admin",
    "templates/creators/unsubscribe.html": "the recipient's own address, from their email's link",
    "templates/reviews/unsubscribe.html": "the recipient's own address, from their email's link",
    "templates/shops/checkout/done.html": "the buyer's own confirmation address",
    "templates/shops/checkout/form.html": "the buyer types their own address",
    "templates/shops/checkout/review.html": "the buyer checks their own address",
    "templates/shops/orders/studio_order.html": "the order's buyer: the shop needs it to fulfil",
    "templates/shops/orders/studio_orders.html": "the shop's orders: searched by buyer email",
    "templates/shops/email/placed_creator.txt": "a new order, to the shop that fulfils it",
    "templates/shops/email/cancelled_creator.txt": "an order cancelled, to its shop",
}
# Python files that may call get_short_name(): only when writing to that same person.
ALLOWED_PYTHON = {
    "reviews/requests.py": "greets the buyer by name in the email to the buyer",
    "creators/models.py": "defines them",
}


def _lines(paths):
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SHOWS_EMAIL.search(line):
                yield path.relative_to(ROOT).as_posix(), number, line.strip()


def test_only_listed_templates_show_an_email_address():
    templates = [
        path
        for path in (ROOT / "templates").rglob("*")
        if path.suffix in (".html", ".txt") and path.is_file()
    ]
    found = [hit for hit in _lines(templates) if hit[0] not in ALLOWED_TEMPLATES]
    assert not found, (
        "these template lines show an email address (or a name that falls back to it); "
        "show fans by `user.public_name`, or list the file in ALLOWED_TEMPLATES with why: "
        f"{found}"
    )


def test_python_never_shows_someone_by_a_name_that_falls_back_to_their_email():
    code = [
        path
        for app in ("core", "creators", "shops", "reviews", "relcommerce")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]
    found = [
        hit
        for hit in _lines(code)
        if hit[0] not in ALLOWED_PYTHON
        and ("get_full_name" in hit[2] or "get_short_name" in hit[2])
    ]
    assert not found, f"use `user.public_name` (never the email) instead: {found}"


def test_public_name_is_the_chosen_name_or_a_fan():
    from creators.models import User

    assert User(email="someone@example.com", name="Rosa").public_name == "Rosa"
    assert User(email="someone@example.com", name="  ").public_name == "A fan"
