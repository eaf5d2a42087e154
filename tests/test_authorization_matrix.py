"""The authorization matrix: every route of the URLconf is classified here, and every route
that names something a user owns is requested by its owner and by everyone else.

- `Owned`: the route takes the id (slug, number, handle…) of something one user owns.
  The other creator, the fans and an anonymous visitor each GET it and send each POST
  action: every answer is a 404, a 403 or a redirect to sign in, and the row is exactly
  as it was. The owner then gets in (not a 403/404/sign-in), which proves the request
  named a real object.
- `SignedIn`: no object id; the viewer's own things (their cart of orders, their Studio).
  An anonymous visitor is sent to sign in.
- `Public`: anyone may open it, by design; the reason says why. What such pages may show
  of drafts, hidden comments, followers-only posts and private profiles is the
  visibility matrix's job (tests/test_visibility_matrix.py).

A route that is in the URLconf and not in this table fails `test_every_route_is_classified`:
a new view cannot skip the matrix. Routes of framework apps (admin, allauth) are
classified by their mount point in tests/access.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db.models import Model, QuerySet
from django.urls import reverse

from creators.models import ThankYouNote
from tests.access import World, app_routes, routes, snapshot, world

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Public:
    reason: str


@dataclass(frozen=True)
class SignedIn:
    reason: str
    method: str = "get"


@dataclass(frozen=True)
class Owned:
    owner: str  # who owns it, a key of World.users
    kwargs: Callable[[World], dict]
    # The row (or rows) a refused request must leave exactly as they were.
    row: Callable[[World], Model | QuerySet]
    posts: tuple[dict, ...] = ({},)  # each POST action; a GET-only page gets a bare POST
    get: bool = True  # whether GET shows something (else the route is POST only)


def _slug(w):
    return {"slug": w.product.slug}


def _number(w):
    return {"number": w.order.number}


def _post(w):
    return {"post_id": w.post.pk}


def _comment(w):
    return {"comment_id": w.comment.pk}


def _review(w):
    return {"review_id": w.review.pk}


def _list(w):
    return {"list_id": w.list.pk}


ANYONE_CAN_INTERACT = "a public page's action open to every signed-in fan; what it may name is the visibility matrix's"  # noqa: E501

MATRIX: dict[str, Public | SignedIn | Owned] = {
    # --- The site ---------------------------------------------------------------------
    "home": Public("the home page"),
    "healthz": Public("says which part is degraded, names nothing"),
    "catalog": Public("published products of active creators"),
    "media": Public("public uploads (images); digital goods live in private storage"),
    # --- shops --------------------------------------------------------------------------
    "shops:open": SignedIn("a fan opens their own shop"),
    "shops:cart": Public("the visitor's or fan's own cart, found by session or account"),
    "shops:cart_add": Public("adds a published product to the viewer's own cart"),
    "shops:cart_line": Owned(
        "fan",
        lambda w: {"line_id": w.line.pk},
        lambda w: w.line,
        posts=({"quantity": "3"}, {"remove": "1"}),
        get=False,
    ),
    "shops:checkout": SignedIn("the fan's own cart, checked out"),
    "shops:checkout_done": Owned(
        "fan", lambda w: {"key": w.checkout.idempotency_key}, lambda w: w.checkout
    ),
    "shops:studio_products": SignedIn("the creator's own products"),
    "shops:product_create": SignedIn("a product in the creator's own shop"),
    "shops:studio_shipping": SignedIn("the creator's own shipping settings"),
    "shops:product_edit": Owned(
        "creator",
        _slug,
        lambda w: w.product,
        posts=({"title": "Taken over", "price": "1.00", "kind": "physical", "stock": "1"},),
    ),
    "shops:product_status": Owned(
        "creator", _slug, lambda w: w.product, posts=({"status": "archived"},), get=False
    ),
    "shops:product": Public("a published product's page; drafts only for the owner"),
    "shops:product_question": Public(ANYONE_CAN_INTERACT),
    "shops:order_list": SignedIn("the fan's own orders"),
    "shops:order_detail": Owned("fan", _number, lambda w: w.order),
    "shops:order_cancel": Owned("fan", _number, lambda w: w.order),
    "shops:order_show": Owned("fan", _number, lambda w: w.order, posts=({"show": "1"},), get=False),
    "shops:studio_orders": SignedIn("the creator's own orders"),
    "shops:studio_orders_csv": SignedIn("the creator's own orders, as CSV"),
    "shops:studio_order": Owned("creator", _number, lambda w: w.order),
    "shops:studio_order_action": Owned(
        "creator",
        _number,
        lambda w: w.order,
        posts=(
            {"action": "mark_shipped", "carrier": "Post", "tracking": "X1"},
            {"action": "cancel"},
        ),
        get=False,
    ),
    "shops:download": Public("a signed, expiring link: the token is the key (test_downloads)"),
    "shops:studio_posts": SignedIn("the creator's own posts"),
    "shops:post_create": SignedIn("a post by the creator"),
    "shops:post_edit": Owned(
        "creator", _post, lambda w: w.post, posts=({"body": "Taken over", "action": "publish"},)
    ),
    "shops:post_delete": Owned("creator", _post, lambda w: w.post),
    "shops:share_redirect": Public("a share link: lands on the shared page while it is public"),
    "shops:share": Public("the Share button of a public page"),
    "shops:account_shares": SignedIn("the fan's own share links"),
    "shops:studio_advocates": SignedIn("the creator's own advocates"),
    "shops:lists_discover": Public("public tastemaker lists"),
    "shops:list_create": SignedIn("a list of the fan's own"),
    "shops:list_add_product": SignedIn("adds a published product to one of the fan's own lists"),
    "shops:list_detail": Public("a public list; a private one only for its author (test_lists)"),
    "shops:list_edit": Owned(
        "fan", _list, lambda w: w.list, posts=({"title": "Taken over", "description": ""},)
    ),
    "shops:list_delete": Owned("fan", _list, lambda w: w.list),
    "shops:list_follow": Public(ANYONE_CAN_INTERACT),
    "shops:list_report": Public(ANYONE_CAN_INTERACT),
    "shops:list_item_action": Owned(
        "fan",
        lambda w: {"list_id": w.list.pk, "item_id": w.item.pk},
        lambda w: w.item,
        posts=({"action": "note", "note": "Taken over"}, {"action": "down"}, {"action": "remove"}),
        get=False,
    ),
    "shops:list_item_go": Public("a public list's link to a published product"),
    "shops:account_lists": SignedIn("the fan's own lists"),
    "shops:saved": SignedIn("the fan's own saved products"),
    "shops:saved_toggle": Public("the heart of a public product page, on the fan's own list"),
    # --- reviews ------------------------------------------------------------------------
    "reviews:write": Public("a buyer reviews a product they bought (eligibility: test_pages)"),
    "reviews:helpful": Public(ANYONE_CAN_INTERACT),
    "reviews:report": Public(ANYONE_CAN_INTERACT),
    "reviews:unsubscribe": Public("a signed link from an email: the token is the key"),
    "reviews:studio": SignedIn("reviews of the creator's own products"),
    "reviews:respond": Owned("creator", _review, lambda w: w.review, posts=({"body": "Hi"},)),
    "reviews:feature": Owned(
        "creator", _review, lambda w: w.review, posts=({"action": "feature"},), get=False
    ),
    "reviews:preferences": SignedIn("the fan's own email preferences"),
    # --- creators -----------------------------------------------------------------------
    "creators:list": Public("the creator directory"),
    "creators:studio": SignedIn("the creator's own dashboard"),
    "creators:studio_metrics_csv": SignedIn("the creator's own metrics"),
    "creators:account": SignedIn("the viewer's own account"),
    "creators:notification_settings": SignedIn("the viewer's own notification settings"),
    "creators:notifications": SignedIn("the viewer's own notifications"),
    "creators:notification_read": Owned(
        "creator",
        lambda w: {"notification_id": w.notification.pk},
        lambda w: w.notification,
        get=False,
    ),
    "creators:notifications_read_all": SignedIn("the viewer's own notifications", "post"),
    "creators:unsubscribe": Public("a signed link from an email: the token is the key"),
    "creators:detail": Public("a creator's public page"),
    "creators:edit": Owned(
        "creator",
        lambda w: {"handle": w.ana.handle},
        lambda w: w.ana,
        posts=({"display_name": "Taken over", "handle": "ana_makes", "bio": ""},),
    ),
    "creators:feed": Public("published posts (followers-only ones as teasers)"),
    "creators:posts": Public("a creator's published posts"),
    "creators:post": Public("a published post; followers-only shows a teaser"),
    "creators:follow": Public(ANYONE_CAN_INTERACT),
    "creators:studio_followers": SignedIn("the creator's own followers"),
    "creators:account_following": SignedIn("whom the viewer follows"),
    "creators:account_profile": SignedIn("the fan's own public profile settings"),
    "creators:fan_profile": Public("a fan's public profile; a private one is a 404"),
    "creators:fan_follow": Public(ANYONE_CAN_INTERACT),
    "creators:feed_people": SignedIn("what the fans the viewer follows share"),
    "creators:post_comment": Public(ANYONE_CAN_INTERACT),
    "creators:post_like": Public(ANYONE_CAN_INTERACT),
    "creators:post_report": Public(ANYONE_CAN_INTERACT),
    "creators:comment_reply": Public(ANYONE_CAN_INTERACT),
    "creators:comment_edit": Owned(
        "fan", _comment, lambda w: w.comment, posts=({"body": "Taken over"},)
    ),
    "creators:comment_delete": Owned("fan", _comment, lambda w: w.comment, get=False),
    "creators:comment_like": Public(ANYONE_CAN_INTERACT),
    "creators:comment_report": Public(ANYONE_CAN_INTERACT),
    "creators:comment_moderate": Owned(
        "creator",
        _comment,
        lambda w: w.comment,
        posts=({"action": "hide"}, {"action": "block"}),
        get=False,
    ),
    "creators:comment_handled": Owned("creator", _comment, lambda w: w.comment, get=False),
    "creators:inbox": SignedIn("the creator's own Inbox"),
    "creators:post_engagement": Owned("creator", _post, lambda w: w.post),
    "creators:blocked": SignedIn("the creator's own blocks"),
    "creators:comment_feature": Owned(
        "creator", _comment, lambda w: w.featured, posts=({"action": "unfeature"},), get=False
    ),
    "creators:featured_remove": Owned(
        "creator", lambda w: {"item_id": w.featured.pk}, lambda w: w.featured, get=False
    ),
    "creators:thank_fan": Owned(
        "creator",
        lambda w: {"fan_id": w.buyer.pk},
        lambda w: ThankYouNote.objects.all(),
        posts=({"body": "Thanks for everything"},),
    ),
    "creators:thank_you_notes": SignedIn("the fan's own thank-you notes"),
}

OWNED = sorted(key for key, rule in MATRIX.items() if isinstance(rule, Owned))
SIGNED_IN = sorted(key for key, rule in MATRIX.items() if isinstance(rule, SignedIn))
OTHERS = ("creator", "other creator", "fan", "stranger", "anonymous")


def _login_url(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def _refused(response) -> bool:
    return response.status_code in (403, 404) or _login_url(response)


def test_every_route_is_classified():
    """A route added to any urls.py must be placed in MATRIX (with the owner's id, or a
    reason it is public) before the suite passes."""
    unclassified = sorted(route.key for route in app_routes() if route.key not in MATRIX)
    assert not unclassified, (
        "unclassified route(s): add each to MATRIX in tests/test_authorization_matrix.py "
        f"(Owned, SignedIn or Public with a reason): {unclassified}"
    )
    gone = sorted(set(MATRIX) - {route.key for route in routes()})
    assert not gone, f"MATRIX names routes the URLconf no longer has: {gone}"


@pytest.mark.parametrize("key", OWNED)
def test_only_the_owner_gets_in(key):
    rule = MATRIX[key]
    w = world()
    url = reverse(key, kwargs=rule.kwargs(w))
    row = rule.row(w)
    before = snapshot(row)
    requests = [("get", {})] if rule.get else []
    requests += [("post", data) for data in rule.posts]
    for who in (other for other in OTHERS if other != rule.owner):
        client = w.client(who)
        for method, data in requests:
            response = getattr(client, method)(url, data)
            assert _refused(response), (
                f"{who} {method.upper()} {url} {data or ''} answered {response.status_code} "
                f"{response.get('Location', '')}: only the {rule.owner} may use it"
            )
            assert snapshot(row) == before, f"{who} {method.upper()} {url} {data} changed it"
    owner = w.client(rule.owner)
    for method, data in requests:
        response = getattr(owner, method)(url, data)
        assert not _refused(response), (
            f"the {rule.owner} was refused {method.upper()} {url} {data}: "
            f"{response.status_code} — the matrix's object is wrong"
        )


@pytest.mark.parametrize("key", SIGNED_IN)
def test_signed_in_pages_send_visitors_to_sign_in(client, key):
    rule = MATRIX[key]
    route = next(route for route in routes() if route.key == key)
    kwargs = {"source": "purchases"} if "<slug:source>" in route.pattern else {}
    response = getattr(client, rule.method)(reverse(key, kwargs=kwargs))
    assert _login_url(response), f"{key} answered an anonymous visitor {response.status_code}"
