"""The Studio's Posts area: list, write, edit and delete the creator's own posts.

Posts belong to creators, but the form features shop products, so these views live in
shops (which may import creators). Every post is fetched through
`creators.selectors.post_get_for_owner`: anyone but the author gets a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from core.ratelimits import rate_limited
from creators import posts as post_services
from creators import selectors as creator_selectors
from creators.models import PostStatus
from shops import post_products, selectors
from shops.post_forms import PostForm

POSTS_PER_PAGE = 25
POST_WRITE_RATE = "120/h"


def _taggable_products(shop):
    return list(selectors.products_published(shop=shop).order_by("title", "id"))


def _saved_message(post) -> str:
    if post.status == PostStatus.PUBLISHED:
        return "Your post is published."
    if post.status == PostStatus.SCHEDULED:
        return f"Your post is scheduled for {post.publish_at:%Y-%m-%d %H:%M} UTC."
    return "Your post is saved as a draft: only you can see it."


def _post_url(post, profile) -> str:
    return reverse("creators:post", kwargs={"handle": profile.handle, "post_id": post.pk})


@login_required
def studio_posts(request):
    shop = selectors.shop_get_for_owner(user=request.user)
    page = Paginator(
        creator_selectors.posts_for_studio(user=request.user), POSTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request, "shops/studio_posts.html", {"page": page, "profile": shop.creator, "shop": shop}
    )


@login_required
@rate_limited("post_write", POST_WRITE_RATE)
def post_create(request):
    shop = selectors.shop_get_for_owner(user=request.user)
    form = PostForm(request.POST or None, request.FILES or None, products=_taggable_products(shop))
    if request.method == "POST" and form.is_valid():
        try:
            post = post_products.shoppable_post_create(author=request.user, **form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _saved_message(post))
            return redirect(_post_url(post, shop.creator))
    return render(request, "shops/post_form.html", {"form": form, "profile": shop.creator})


@login_required
@rate_limited("post_write", POST_WRITE_RATE)
def post_edit(request, post_id):
    post = creator_selectors.post_get_for_owner(user=request.user, post_id=post_id)
    shop = selectors.shop_get_for_owner(user=request.user)
    initial = {
        "body": post.body,
        "is_question": post.is_question,
        "link_url": post.link_url,
        "visibility": post.visibility,
        "products": post_products.post_product_ids(post=post),
        "action": {PostStatus.SCHEDULED: "schedule", PostStatus.DRAFT: "draft"}.get(
            post.status, "publish"
        ),
        "publish_at": post.publish_at,
    }
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        products=_taggable_products(shop),
        post=post,
    )
    if request.method == "POST" and form.is_valid():
        try:
            post = post_products.shoppable_post_update(post=post, **form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _saved_message(post))
            return redirect(_post_url(post, shop.creator))
    return render(
        request, "shops/post_form.html", {"form": form, "profile": shop.creator, "post": post}
    )


@login_required
@rate_limited("post_write", POST_WRITE_RATE)
def post_delete(request, post_id):
    post = creator_selectors.post_get_for_owner(user=request.user, post_id=post_id)
    if request.method == "POST":
        post_services.post_delete(post=post)
        messages.success(request, "Your post is deleted.")
        return redirect("shops:studio_posts")
    return render(request, "shops/post_delete.html", {"post": post})
