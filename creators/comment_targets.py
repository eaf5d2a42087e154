"""Which models besides posts can carry comments (questions), registered by their own app.

creators never imports shops, yet the Inbox lists product questions with the product's
title and link. shops registers Product here from its AppConfig.ready() with the queryset
that loads what the Inbox shows (title, URL: the shop's creator handle), and the Inbox
prefetches all targets of a page with one query per registered model (GenericPrefetch).
"""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import models
from django.db.models import QuerySet

_querysets: dict[type[models.Model], Callable[[], QuerySet]] = {}
_is_public: dict[type[models.Model], Callable[[models.Model], bool]] = {}


def register(
    model: type[models.Model],
    *,
    queryset: Callable[[], QuerySet],
    is_public: Callable[[models.Model], bool],
) -> None:
    """Let `model` be commented on; `queryset()` loads targets for display (get_absolute_url
    and str() without further queries); `is_public(target)` says whether anyone but its
    owner may see its page (a draft product may not: its questions are not shown either)."""
    _querysets[model] = queryset
    _is_public[model] = is_public


def is_public(target: models.Model | None) -> bool:
    """Whether fans may see `target`'s page (and so its questions); a missing target or an
    unregistered model is not public."""
    check = _is_public.get(type(target)) if target is not None else None
    return check is not None and check(target)


def is_registered(target: models.Model) -> bool:
    return type(target) in _querysets


def target_prefetch() -> GenericPrefetch:
    return GenericPrefetch("target", [factory() for factory in _querysets.values()])


def target_type_of(target: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(target)
