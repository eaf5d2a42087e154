"""Creator handles: the public name in /@<handle>/ URLs."""

import re

from django.core.exceptions import ValidationError

HANDLE_MIN_LENGTH = 3
HANDLE_MAX_LENGTH = 30
_HANDLE_CHARS = re.compile(r"^[A-Za-z0-9_]+$")

# Words that would impersonate the site or collide with its own paths and roles.
RESERVED_HANDLES = frozenset(
    {
        "about", "account", "accounts", "admin", "administrator", "api", "app", "billing",
        "blog", "cart", "checkout", "contact", "creator", "creators", "dashboard", "discover",
        "explore", "faq", "feed", "help", "home", "healthz", "inbox", "legal", "login",
        "logout", "media", "moderator", "new", "news", "notifications", "null", "official",
        "open_shop", "order", "orders", "password", "privacy", "product", "products",
        "relcommerce", "root", "search", "security", "settings", "shop", "shops", "signin",
        "signup", "staff", "static", "status", "studio", "support", "system", "terms",
        "undefined", "user", "users", "www",
    }
)  # fmt: skip


def handle_key(handle: str) -> str:
    """Handles are unique case-insensitively; this is the form they are compared in."""
    return handle.lower()


def validate_handle(value: str) -> None:
    if not HANDLE_MIN_LENGTH <= len(value) <= HANDLE_MAX_LENGTH:
        raise ValidationError(
            "A handle has %(min)d to %(max)d characters.",
            code="handle_length",
            params={"min": HANDLE_MIN_LENGTH, "max": HANDLE_MAX_LENGTH},
        )
    if not _HANDLE_CHARS.match(value):
        raise ValidationError(
            "Use only letters, digits and underscores (no spaces or accents).",
            code="handle_characters",
        )
    if handle_key(value) in RESERVED_HANDLES:
        raise ValidationError(
            "“%(handle)s” is reserved. Please choose another handle.",
            code="handle_reserved",
            params={"handle": value},
        )
