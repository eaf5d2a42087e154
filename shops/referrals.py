"""Share links and attribution: credit (not commission) for the fans who bring others.

- **Links.** `share_link_get_or_create` gives a signed-in fan one stable short link per
  product, post or tastemaker list (`/r/<code>`, 10 random base62 characters: not
  guessable, unique).
- **Visits.** `/r/<code>` sends the visitor to the shared page. `share_visit_record`
  decides whether the visit counts: not for bots (obvious user agents, link-preview
  fetchers), not for the sharer themselves, and once per visitor, link and UTC day (a
  refresh does not inflate the count). A counted visit bumps `ShareLink.visits` and
  records a `share_visit` event for the shared thing's creator in one transaction.
- **Attribution.** A visit that may be credited sets a signed cookie holding the link
  and the time of the visit (`attribution_cookie_set`); the latest link visited wins.
  At checkout `attribution_from_request` reads it back — a tampered, malformed or
  expired cookie (older than REFERRAL_WINDOW_DAYS) is ignored — and `order_place`
  stamps `Order.referral` on each order the link may be credited with
  (`referral_applies`): an order from the shop of the shared product's or post's
  creator — for a list, of any creator with a visible product on it — never the sharer's
  own purchase, never a creator credited for their own shop.
- **Purchases.** When a stamped order is paid (at once with a card, later for manual
  payment), `referral_purchase_record` bumps `ShareLink.purchases` and records a
  `referral_purchase` event in the same transaction as `order_paid`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from core.http import client_ip, form_id
from core.ratelimits import Rate, rate_limit_consume
from creators import selectors as creator_selectors
from creators.events import event_record
from creators.models import CreatorProfile, EventKind, Post, PostStatus, User
from shops import lists, selectors
from shops.models import SHARE_TARGETS, Order, Product, ProductStatus, ShareLink, TastemakerList

CODE_ALPHABET = string.digits + string.ascii_letters  # base62
CODE_LENGTH = 10  # 62¹⁰ ≈ 8·10¹⁷ codes
CODE_RE = re.compile(rf"^[0-9A-Za-z]{{{CODE_LENGTH}}}$")
COOKIE_NAME = "rc_ref"
COOKIE_SALT = "relcommerce.referral"
# A visit time this far in the future (clock skew between web processes) is still fine.
CLOCK_SKEW_SECONDS = 300

# Crawlers, link-preview fetchers (a link pasted in a chat is fetched by the app before
# anyone clicks it) and scripts. Matched case-insensitively anywhere in the user agent;
# an empty user agent counts as a bot too.
BOT_USER_AGENT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrape|preview|facebookexternalhit|facebot|"
    r"whatsapp|telegram|skypeuri|embedly|pinterest|vkshare|ia_archiver|"
    r"curl|wget|python-|python/|aiohttp|httpx|okhttp|go-http-client|java/|libwww|"
    r"node-fetch|axios",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    user_agent = (user_agent or "").strip()
    return not user_agent or BOT_USER_AGENT.search(user_agent) is not None


def window() -> timedelta:
    return timedelta(days=settings.REFERRAL_WINDOW_DAYS)


# --- Links -----------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _target_creator(target: Model) -> CreatorProfile | None:
    if isinstance(target, Product):
        return target.shop.creator
    if isinstance(target, Post):
        return target.creator.creator_profile
    return None


def share_link_get_or_create(*, sharer: User, target: Model) -> ShareLink:
    """The fan's one link to `target` (a product, post or list), made on first request."""
    if not sharer.is_authenticated:
        raise ValidationError("Sign in to get your own share link.")
    field = _field_of(target)
    existing = ShareLink.objects.filter(sharer=sharer, **{field: target}).first()
    if existing is not None:
        return existing
    creator = _target_creator(target)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return ShareLink.objects.create(
                    code=_new_code(), sharer=sharer, creator=creator, **{field: target}
                )
        except IntegrityError:
            # The same fan asking twice at once (unique per target), or — astronomically
            # unlikely — a code already taken: find theirs, else draw another code.
            existing = ShareLink.objects.filter(sharer=sharer, **{field: target}).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not draw an unused share code")


def _field_of(target: Model) -> str:
    for field in SHARE_TARGETS.values():
        if isinstance(target, ShareLink._meta.get_field(field).related_model):
            return field
    raise ValueError(f"{type(target).__name__} cannot be shared")


def share_link_for_code(code: str) -> ShareLink:
    """The link behind `/r/<code>`; anything unknown or malformed is a 404."""
    if not CODE_RE.match(code or ""):
        raise Http404("No such link.")
    link = (
        ShareLink.objects.select_related(
            "sharer",
            "creator__user",
            "product__shop__creator__user",
            "post__creator",
            "taste_list__author",
        )
        .filter(code=code)
        .first()
    )
    if link is None:
        raise Http404("No such link.")
    return link


def share_target_get(*, kind: str, target_id, viewer: User) -> Model:
    """What a fan may share: a published product or post of an active creator, or a
    public tastemaker list, found by the rules of the page that shows it (the product
    page, the post page, the list page). Anything else — a draft, a scheduled post, an
    unknown or malformed id — is a 404, like the page itself. A followers-only post is
    shareable (its page shows everyone a teaser) but is never quoted: see `share_title`."""
    target = None
    if kind == "product":
        product = selectors.product_visible_get(product_id=target_id, viewer=viewer)
        if product is not None and product.status == ProductStatus.PUBLISHED:
            target = product
    elif kind == "post":
        post = creator_selectors.post_visible_get(post_id=target_id, viewer=viewer)
        if post is not None and post.is_published:
            target = post
    elif kind == "list":
        pk = form_id(target_id)
        target = lists.list_public_or_none(list_id=pk) if pk is not None else None
    if target is None:
        raise Http404("Nothing to share.")
    return target


def share_target_is_public(target: Model) -> bool:
    """Whether anyone may open the shared product's or post's page now (a list's own rules
    are applied where it is shown)."""
    if isinstance(target, Product):
        return target.status == ProductStatus.PUBLISHED and target.shop.creator.user.is_active
    if isinstance(target, Post):
        return target.is_published and target.creator.is_active
    return True


def share_title(target: Model) -> str:
    """What the share panel and "Your shares" call a target: only words everyone may read.

    The title travels (an email subject, a post's text) to people who may not follow the
    creator, so a followers-only post is never quoted; a product or post that is no longer
    public (back to draft, archived, its creator suspended) is not named at all.
    """
    if isinstance(target, Product):
        return target.title if share_target_is_public(target) else "A product no longer on sale"
    if isinstance(target, Post):
        if not share_target_is_public(target):
            return "A post no longer shown"
        name = target.creator.creator_profile.display_name
        if target.is_followers_only:
            return f"A post for {name}’s followers"
        text = Truncator(strip_tags(target.body_html)).words(12)
        return f"{name}: {text}" if text else f"A post by {name}"
    return str(target)


@dataclass(frozen=True)
class Landing:
    url: str
    live: bool  # the shared thing is still there: the visit may count


def share_link_landing(link: ShareLink) -> Landing:
    """Where a visitor of the link lands: the shared page while fans can see it, else
    the creator's page (or the home page; for a list, the tastemakers page)."""
    target = link.target
    if isinstance(target, TastemakerList):
        if lists.list_public_or_none(list_id=target.pk) is not None:
            return Landing(target.get_absolute_url(), True)
        return Landing(reverse("shops:lists_discover"), False)
    creator = link.creator
    creator_live = creator is not None and creator.user.is_active
    if isinstance(target, Product):
        if target.status == ProductStatus.PUBLISHED and creator_live:
            return Landing(target.get_absolute_url(), True)
    elif isinstance(target, Post):
        if target.status == PostStatus.PUBLISHED and creator_live:
            return Landing(
                reverse("creators:post", kwargs={"handle": creator.handle, "post_id": target.pk}),
                True,
            )
    if creator_live:
        return Landing(creator.get_absolute_url(), False)
    return Landing(reverse("home"), False)


# --- Visits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitOutcome:
    counted: bool  # a share_visit was recorded
    attribute: bool  # the attribution cookie should be set


# Counted visits per visitor (account or address) and hour, all links together: past it a
# visit still lands and attributes, but counts nothing (someone cycling user agents).
VISIT_COUNT_RATE = Rate.parse("60/h")


def visit_countable(request) -> bool:
    return not rate_limit_consume(request=request, action="share_visit", rate=VISIT_COUNT_RATE)


def visitor_key(request) -> str:
    """Who is visiting, for the once-a-day count: the account, else the session, else
    a hash of address and user agent (a first visit through a link has no session)."""
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        return f"s{session_key}"
    raw = f"{client_ip(request)}|{request.META.get('HTTP_USER_AGENT', '')}"
    return "a" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _first_visit_today(link_id: int, who: str, now: datetime) -> bool:
    key = f"share:visit:{link_id}:{who}:{now.date().isoformat()}"
    return cache.add(key, 1, timeout=60 * 60 * 25)


def share_visit_record(
    *,
    link: ShareLink,
    visitor: User,
    user_agent: str,
    who: str,
    creator: CreatorProfile | None = None,
    target: Model | None = None,
    now: datetime | None = None,
    countable: bool = True,
) -> VisitOutcome:
    """Count a visit through `link` if it should count (see the module docstring).

    `creator`/`target` name what the visit is about when it is not the link's own target
    (a click from a tastemaker list to one of its products). `countable=False` (the
    visitor is past the visit rate limit) still attributes but counts nothing."""
    now = now or timezone.now()
    if is_bot(user_agent) or not link.sharer.is_active:
        return VisitOutcome(counted=False, attribute=False)
    if visitor.is_authenticated and visitor.pk == link.sharer_id:
        return VisitOutcome(counted=False, attribute=False)  # your own link: no credit
    if not countable or not _first_visit_today(link.pk, who, now):
        return VisitOutcome(counted=False, attribute=True)
    target = target if target is not None else link.target
    with transaction.atomic():
        ShareLink.objects.filter(pk=link.pk).update(visits=F("visits") + 1, last_visit_at=now)
        event_record(
            kind=EventKind.SHARE_VISIT,
            actor=link.sharer,
            creator=creator if creator is not None else link.creator,
            target=target,
            payload={
                "link_id": link.pk,
                "sharer_id": link.sharer_id,
                "target": link.target_kind,
                "visitor_id": visitor.pk if visitor.is_authenticated else None,
            },
        )
    return VisitOutcome(counted=True, attribute=True)


# --- Attribution -----------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=COOKIE_SALT)


def attribution_cookie_set(response, *, link: ShareLink, now: datetime | None = None) -> None:
    """The visitor came through `link`: remember it (and when) for the window."""
    now = now or timezone.now()
    value = _signer().sign(f"{link.pk}:{int(now.timestamp())}")
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=int(window().total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def attribution_link_id(raw: str | None, *, now: datetime | None = None) -> int | None:
    """The link id in an attribution cookie if it is ours, intact and inside the window."""
    if not raw:
        return None
    try:
        link_id, stamp = _signer().unsign(raw).split(":")
        link_id, stamp = int(link_id), int(stamp)
    except (signing.BadSignature, ValueError):
        return None
    age = (now or timezone.now()).timestamp() - stamp
    if age < -CLOCK_SKEW_SECONDS or age > window().total_seconds():
        return None
    return link_id


def attribution_from_request(request, *, now: datetime | None = None) -> ShareLink | None:
    """The share link this visitor is attributed to now, if any."""
    link_id = attribution_link_id(request.COOKIES.get(COOKIE_NAME), now=now)
    if link_id is None:
        return None
    return (
        ShareLink.objects.select_related("sharer")
        .filter(pk=link_id, sharer__is_active=True)
        .first()
    )


# --- Purchases -------------------------------------------------------------------------


def referral_creator_ids(link: ShareLink) -> set[int]:
    """The creators whose orders the link may be credited with: the shared product's or
    post's creator; for a list, every creator with a visible product on it now."""
    if link.taste_list_id is not None:
        return lists.list_creator_ids(list_id=link.taste_list_id)
    return {link.creator_id} if link.creator_id is not None else set()


def referral_applies(
    *, link: ShareLink | None, buyer: User, shop_creator: CreatorProfile, creator_ids: set[int]
) -> bool:
    """Whether an order from `shop_creator`'s shop by `buyer` is credited to `link`."""
    return (
        link is not None
        and link.sharer_id != buyer.pk  # no self-referral
        and link.sharer_id != shop_creator.user_id  # a creator is not their own advocate
        and shop_creator.pk in creator_ids
    )


def referral_purchase_record(*, order: Order, now: datetime | None = None) -> None:
    """The credited order is paid: count it for the link and record the event. Runs in
    the transaction that marks the order paid (which happens once per order)."""
    if order.referral_id is None:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("referral_purchase_record() runs inside order_mark_paid")
    link = ShareLink.objects.select_related("sharer").filter(pk=order.referral_id).first()
    if link is None:
        return
    ShareLink.objects.filter(pk=link.pk).update(purchases=F("purchases") + 1)
    event_record(
        kind=EventKind.REFERRAL_PURCHASE,
        actor=link.sharer,
        creator=order.shop.creator,
        target=order,
        payload={
            "order": order.number,
            "amount": str(order.total),
            "currency": order.currency,
            "buyer_id": order.buyer_id,
            "sharer_id": link.sharer_id,
            "link_id": link.pk,
            "target": link.target_kind,
        },
    )
