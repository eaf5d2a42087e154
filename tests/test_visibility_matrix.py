"""The visibility matrix: no route names, to someone who may not see it, a draft product,
a hidden comment, a followers-only post, a scheduled or draft post, or a private profile.

Each secret carries a unique marker (in its title, body, slug or name). Every route that
can name one is requested by the people who may not see it — an anonymous visitor, a fan
who does not follow the creator, another creator — by GET and by each POST it takes,
pointing at the secret (by URL, form field or query string) and at the public pages that
list its kind. The answer's body (title and meta tags included), every header (Location
too) and the messages shown on the next page are scanned for the markers.

Every route of our apps is classified here or, when only its owner or the signed-in
viewer's own things get through, by tests/test_authorization_matrix.py: a new route
fails `test_every_route_is_classified_for_visibility` until someone says which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from creators import conversation
from creators.models import Comment, FanFollow, PostStatus, PostVisibility
from shops import lists, referrals
from shops.models import ProductStatus
from tests.access import World, app_routes, world
from tests.factories import (
    FanProfileFactory,
    PostFactory,
    ProductFactory,
    ReviewFactory,
    paid_order_of,
)
from tests.test_authorization_matrix import MATRIX, Owned, SignedIn

pytestmark = pytest.mark.django_db

# The unique text each secret carries; none of them may reach a viewer below.
MARKERS = {
    "draft product": ("Zephyrine draft kiln", "zephyrine-draft-kiln"),
    "draft product's question": ("Quokka question on the draft",),
    "hidden comment": ("Hidden xylograph remark",),
    "followers-only post": ("MarmaladeSecretForFollowers",),
    "scheduled post": ("Scheduled nebula announcement",),
    "draft post": ("Draft ocelot musings",),
    "private profile": ("Priscilla Private", "Quiet bio of a private fan"),
}
VIEWERS = ("anonymous", "stranger", "other creator")
# Ten words: everyone sees the first five as a teaser (half, at most 12); the marker is
# the eighth, so quoting "the first 12 words" (as the share panel once did) reveals it.
FOLLOWERS_BODY = "Kiln day notes one two three four {} nine ten"


def secrets(w: World) -> None:
    """Add the secrets to the world, each with its marker, as they come about in the app
    (a product and its question made public, then taken back to draft)."""
    ana = w.ana
    o = w.objects
    draft = ProductFactory(
        shop=ana.shop, title=MARKERS["draft product"][0], slug="zephyrine-draft-kiln"
    )
    o["secret_question"] = conversation.comment_create_on_target(
        author=w.buyer, target=draft, owner=ana.user, body=MARKERS["draft product's question"][0]
    )
    lists.list_item_add(taste_list=w.list, product=draft)
    o["secret_item"] = w.list.items.get(product=draft)
    o["secret_link"] = referrals.share_link_get_or_create(sharer=w.stranger, target=draft)
    o["secret_review"] = ReviewFactory(product=draft, author=w.buyer)
    # A public fan, followed by the stranger, shows the purchase of it on their profile.
    tastemaker = FanProfileFactory(user__name="Pat Public", public_id="patpublic1")
    FanFollow.objects.create(follower=w.stranger, followed=tastemaker.user)
    paid_order_of(buyer=tastemaker.user, product=draft, show_on_profile=True)
    o["tastemaker"] = tastemaker
    draft.status = ProductStatus.DRAFT
    draft.save(update_fields=["status"])
    o["secret_product"] = draft
    hidden = conversation.comment_create_on_post(
        author=w.buyer, post=w.post, body=MARKERS["hidden comment"][0]
    )
    Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
    o["secret_comment"] = hidden
    o["followers_post"] = PostFactory(
        creator=ana.user,
        body=FOLLOWERS_BODY.format(MARKERS["followers-only post"][0]),
        body_html=f"<p>{FOLLOWERS_BODY.format(MARKERS['followers-only post'][0])}</p>",
        visibility=PostVisibility.FOLLOWERS,
    )
    o["followers_link"] = referrals.share_link_get_or_create(
        sharer=w.buyer, target=o["followers_post"]
    )
    o["scheduled_post"] = PostFactory(
        creator=ana.user,
        body=MARKERS["scheduled post"][0],
        body_html=f"<p>{MARKERS['scheduled post'][0]}</p>",
        status=PostStatus.SCHEDULED,
        publish_at=timezone.now() + timezone.timedelta(days=2),
        published_at=None,
    )
    o["draft_post"] = PostFactory(
        creator=ana.user,
        body=MARKERS["draft post"][0],
        body_html=f"<p>{MARKERS['draft post'][0]}</p>",
        status=PostStatus.DRAFT,
        published_at=None,
    )
    private = FanProfileFactory(
        user__name=MARKERS["private profile"][0],
        bio=MARKERS["private profile"][1],
        public_id="privfan001",
        is_public=False,
    )
    FanFollow.objects.create(follower=w.stranger, followed=private.user)  # from when public
    o["private_profile"] = private


Request = tuple[str, str, dict]  # method, url, data


@dataclass(frozen=True)
class Names:
    """The route can name a secret: these requests try."""

    requests: Callable[[World], list[Request]]


@dataclass(frozen=True)
class NamesNone:
    reason: str


def _get(url, **data) -> Request:
    return ("get", url, data)


def _post(url, **data) -> Request:
    return ("post", url, data)


def _product_urls(w, name):
    product = w.secret_product
    return reverse(name, kwargs={"handle": w.ana.handle, "slug": product.slug})


def _post_urls(w, name, **extra):
    return [
        reverse(name, kwargs={"handle": w.ana.handle, "post_id": post.pk})
        for post in (w.followers_post, w.scheduled_post, w.draft_post)
    ]


def _secret_comments(w):
    return (w.secret_comment, w.secret_question)


def _on_comments(name, **data):
    return lambda w: (
        [_post(reverse(name, kwargs={"comment_id": c.pk}), **data) for c in _secret_comments(w)]
        + [_get(reverse(name, kwargs={"comment_id": c.pk})) for c in _secret_comments(w)]
    )


def _on_posts(name, **data):
    return lambda w: (
        [_post(url, **data) for url in _post_urls(w, name)]
        + [_get(url) for url in _post_urls(w, name)]
    )


def _share(w):
    return [
        _post(reverse("shops:share"), kind=kind, target=str(target.pk))
        for kind, target in (
            ("product", w.secret_product),
            ("post", w.followers_post),
            ("post", w.scheduled_post),
            ("post", w.draft_post),
        )
    ]


def _private(name, **data):
    return lambda w: [
        _get(reverse(name, kwargs={"public_id": w.private_profile.public_id})),
        _post(reverse(name, kwargs={"public_id": w.private_profile.public_id}), **data),
    ]


VISIBILITY: dict[str, Names | NamesNone] = {
    "home": Names(lambda w: [_get(reverse("home"))]),
    "healthz": NamesNone("names no object"),
    "catalog": Names(lambda w: [_get(reverse("catalog")), _get(reverse("catalog"), q="Zephyrine")]),
    "media": NamesNone("serves uploaded files by path; no object's text"),
    "shops:cart": Names(lambda w: [_get(reverse("shops:cart"))]),
    "shops:cart_add": Names(
        lambda w: [
            _post(reverse("shops:cart_add"), product=str(w.secret_product.pk), quantity=quantity)
            for quantity in ("1", "99")
        ]
    ),
    "shops:product": Names(lambda w: [_get(_product_urls(w, "shops:product"))]),
    "shops:product_question": Names(
        lambda w: [_post(_product_urls(w, "shops:product_question"), body="Hello?")]
    ),
    "shops:share_redirect": Names(
        lambda w: [
            _get(w.secret_link.get_absolute_url()),
            _get(w.followers_link.get_absolute_url()),
        ]
    ),
    "shops:share": Names(_share),
    "shops:download": NamesNone("a signed link to the buyer's own file; names nothing else"),
    "shops:lists_discover": Names(lambda w: [_get(reverse("shops:lists_discover"))]),
    "shops:list_add_product": Names(
        lambda w: [
            _get(reverse("shops:list_add_product"), product=str(w.secret_product.pk)),
            _post(reverse("shops:list_add_product"), product=str(w.secret_product.pk)),
        ]
    ),
    "shops:list_detail": Names(lambda w: [_get(reverse("shops:list_detail", args=[w.list.pk]))]),
    "shops:list_follow": Names(
        lambda w: [_post(reverse("shops:list_follow", args=[w.list.pk]), action="follow")]
    ),
    "shops:list_report": Names(lambda w: [_get(reverse("shops:list_report", args=[w.list.pk]))]),
    "shops:list_item_go": Names(
        lambda w: [_get(reverse("shops:list_item_go", args=[w.list.pk, w.secret_item.pk]))]
    ),
    "shops:saved_toggle": Names(
        lambda w: (
            [
                _post(reverse("shops:saved_toggle", args=[w.secret_product.pk]), action=action)
                for action in ("save", "unsave")
            ]
            + [
                (
                    "post",
                    reverse("shops:saved_toggle", args=[w.secret_product.pk]),
                    {"action": "save", "size": "card", "htmx": True},
                )
            ]
        )
    ),
    "shops:account_shares": Names(lambda w: [_get(reverse("shops:account_shares"))]),
    "reviews:write": Names(lambda w: [_get(_product_urls(w, "reviews:write"))]),
    "reviews:helpful": Names(
        lambda w: [_post(reverse("reviews:helpful", args=[w.secret_review.pk]))]
    ),
    "reviews:report": Names(
        lambda w: [
            _get(reverse("reviews:report", args=[w.secret_review.pk])),
            _post(reverse("reviews:report", args=[w.secret_review.pk]), reason="spam"),
        ]
    ),
    "reviews:unsubscribe": NamesNone("a signed link from an email to its own recipient"),
    "creators:list": Names(lambda w: [_get(reverse("creators:list"))]),
    "creators:unsubscribe": NamesNone("a signed link from an email to its own recipient"),
    "creators:detail": Names(lambda w: [_get(reverse("creators:detail", args=[w.ana.handle]))]),
    "creators:feed": Names(
        lambda w: [_get(reverse("creators:feed")), _get(reverse("creators:feed"), view="discover")]
    ),
    "creators:posts": Names(lambda w: [_get(reverse("creators:posts", args=[w.ana.handle]))]),
    "creators:post": Names(lambda w: [_get(url) for url in _post_urls(w, "creators:post")]),
    "creators:follow": Names(
        lambda w: [_post(reverse("creators:follow", args=[w.ana.handle]), action="follow")]
    ),
    "creators:fan_profile": Names(
        lambda w: (
            _private("creators:fan_profile")(w)
            + [_get(reverse("creators:fan_profile", args=[w.tastemaker.public_id]))]
        )
    ),
    "creators:fan_follow": Names(
        lambda w: (
            _private("creators:fan_follow", action="unfollow")(w)
            + _private("creators:fan_follow", action="follow")(w)
        )
    ),
    "creators:feed_people": Names(
        lambda w: [
            _get(reverse("creators:feed_people", args=[source]))
            for source in ("purchases", "lists")
        ]
    ),
    "creators:post_comment": Names(_on_posts("creators:post_comment", body="Hello?")),
    "creators:post_like": Names(_on_posts("creators:post_like", action="like")),
    "creators:post_report": Names(_on_posts("creators:post_report", reason="spam")),
    "creators:comment_reply": Names(_on_comments("creators:comment_reply", body="Hello?")),
    "creators:comment_like": Names(_on_comments("creators:comment_like", action="like")),
    "creators:comment_report": Names(_on_comments("creators:comment_report", reason="spam")),
}


def _classified() -> set[str]:
    owner_only = {key for key, rule in MATRIX.items() if isinstance(rule, Owned | SignedIn)}
    return set(VISIBILITY) | owner_only


def test_every_route_is_classified_for_visibility():
    unclassified = sorted(route.key for route in app_routes() if route.key not in _classified())
    assert not unclassified, (
        "unclassified route(s): add each to VISIBILITY in tests/test_visibility_matrix.py "
        f"(Names with the requests that could reveal a secret, or NamesNone with a reason): "
        f"{unclassified}"
    )


def _seen(client, response) -> str:
    """Everything the viewer gets: the body, every header, and the messages the next page
    shows (a refusal's flash message is rendered after the redirect)."""
    parts = [response.content.decode(errors="replace")]
    parts += [f"{name}: {value}" for name, value in response.headers.items()]
    parts.append(client.get(reverse("shops:cart")).content.decode(errors="replace"))
    return "\n".join(parts)


NAMES = sorted(key for key, rule in VISIBILITY.items() if isinstance(rule, Names))


@pytest.mark.parametrize("key", NAMES)
def test_no_route_names_a_secret_to_someone_who_may_not_see_it(key):
    w = world()
    secrets(w)
    for who in VIEWERS:
        client = w.client(who)
        for method, url, data in VISIBILITY[key].requests(w):
            data = dict(data)
            headers = {"HX-Request": "true"} if data.pop("htmx", False) else {}
            response = getattr(client, method)(url, data, headers=headers)
            assert response.status_code < 500, f"{who} {method.upper()} {url}: server error"
            seen = _seen(client, response).lower()
            asked = f"{url} {data}".lower()  # an address the viewer typed may come back
            for secret, markers in MARKERS.items():
                for marker in markers:
                    assert marker.lower() in asked or marker.lower() not in seen, (
                        f"{who} {method.upper()} {url} {data or ''} revealed the {secret} "
                        f"({marker!r}) with a {response.status_code}"
                    )


def test_the_secrets_are_real(client):
    """The markers are where the owner and followers see them: the matrix above would
    pass vacuously if a secret were missing its marker."""
    w = world()
    secrets(w)
    ana = w.client("creator")
    assert (
        MARKERS["draft product"][0] in ana.get(w.secret_product.get_absolute_url()).content.decode()
    )
    follower = w.client("fan")  # the buyer follows Ana
    page = follower.get(
        reverse("creators:post", args=[w.ana.handle, w.followers_post.pk])
    ).content.decode()
    assert MARKERS["followers-only post"][0] in page
    for post, marker in ((w.scheduled_post, "scheduled post"), (w.draft_post, "draft post")):
        page = ana.get(reverse("creators:post", args=[w.ana.handle, post.pk])).content.decode()
        assert MARKERS[marker][0] in page
    page = ana.get(w.post.get_absolute_url()).content.decode()
    assert MARKERS["hidden comment"][0] in page  # the creator sees hidden comments
    # Pat's shown purchase is real: it is on Pat's profile once the product is public again.
    w.secret_product.status = ProductStatus.PUBLISHED
    w.secret_product.save(update_fields=["status"])
    page = client.get(reverse("creators:fan_profile", args=[w.tastemaker.public_id]))
    assert MARKERS["draft product"][0] in page.content.decode()
    private = w.private_profile
    owner = client
    owner.force_login(private.user)
    page = owner.get(reverse("creators:fan_profile", args=[private.public_id])).content.decode()
    assert MARKERS["private profile"][0] in page and MARKERS["private profile"][1] in page
