"""Demo conversation for `seed_demo`: fans' comments, questions, replies and likes.

On the hand-written creators' published posts and products, fans leave comments and
ask questions; the creator answers most of them (hours later, with the "Creator" badge)
and leaves the rest waiting, so the printed creator login has an Inbox to work through.
Fans like posts and comments. Everything is back-dated between the subject's publication
and now, with its engagement event as history (dispatched when it happened), the same
events the real use cases record.

Deterministic: each subject's conversation comes from its own `random.Random` keyed by
(seed, subject). Idempotent: a subject that already has comments is left alone.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from core.rich_text import markdown_to_html
from creators.models import (
    Comment,
    CreatorProfile,
    EngagementEvent,
    EventKind,
    Post,
    PostStatus,
    Reaction,
    User,
)
from shops.models import Product, ProductStatus

SUBJECTS_PER_CREATOR = 3  # posts, and products, of each hand-written creator
COMMENTS_PER_SUBJECT = (1, 4)
ANSWER_RATE = 0.65  # the share of fans' comments the creator has answered
FAN_REPLY_RATE = 0.2
LIKES_PER_POST = (2, 9)
UNANSWERED_FOR_FIRST_CREATOR = 3  # the printed creator login always has an Inbox

POST_COMMENTS = (
    "This is gorgeous. The colours are exactly what I was hoping for!",
    "Been waiting for this one — congrats on the launch!",
    "How long did this take you from start to finish?",
    "Love seeing the process behind it. More of these please.",
    "Do you ever run workshops? I'd sign up in a heartbeat.",
    "The one on the left is calling my name.",
    "Is there going to be a restock soon?",
    "Such a good idea. Where do you find your inspiration?",
)
PRODUCT_QUESTIONS = (
    "Does the {title} ship to Canada, and roughly how long does it take?",
    "Is the {title} giftable — can you leave the price off the packing slip?",
    "How big is the {title} in real life? The photos make it hard to tell.",
    "Will the {title} come back in other colours?",
    "Can I order two {title}s and have them shipped together?",
    "How should I care for the {title} so it lasts?",
)
CREATOR_REPLIES = (
    "Thank you so much! It means a lot that you noticed.",
    "Great question — yes, and I'll post details this week.",
    "Usually two to three days for this one. Thanks for asking!",
    "Absolutely. Send me a note at checkout and I'll take care of it.",
    "Restock is planned for next month; following is the best way to hear first.",
    "It's roughly the size of your palm — I'll add a photo for scale.",
)
FAN_REPLIES = (
    "Same question here!",
    "I have one and it's even nicer in person.",
    "+1, would love to know too.",
)


@dataclass
class _Subject:
    key: str
    creator: User
    profile: CreatorProfile
    since: datetime
    title: str = ""
    post: Post | None = None
    product: Product | None = None


def _subjects(profiles: list[CreatorProfile]) -> list[_Subject]:
    subjects = []
    for profile in profiles:
        posts = Post.objects.filter(creator_id=profile.user_id, status=PostStatus.PUBLISHED)
        # Keys are stable across databases (ids are not), so the same seed talks the same.
        for index, post in enumerate(posts.order_by("published_at", "id")[:SUBJECTS_PER_CREATOR]):
            key = f"post:{profile.handle}:{index}"
            subjects.append(_Subject(key, profile.user, profile, post.published_at, post=post))
        products = Product.objects.filter(shop__creator=profile, status=ProductStatus.PUBLISHED)
        for product in products.order_by("id")[:SUBJECTS_PER_CREATOR]:
            subjects.append(
                _Subject(
                    f"product:{product.slug}",
                    profile.user,
                    profile,
                    product.published_at or product.created_at,
                    title=product.title,
                    product=product,
                )
            )
    return subjects


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return end
    return (start + (end - start) * rng.random()).replace(microsecond=0)


class _History:
    """Comments, likes and their back-dated events, written in order."""

    def __init__(self, *, product_type: ContentType, now: datetime):
        self.product_type = product_type
        self.now = now
        self.events: list[EngagementEvent] = []
        self.comments = 0

    def event(self, kind, *, actor_id, profile, target: models.Model, at, payload):
        self.events.append(
            EngagementEvent(
                kind=kind,
                actor_id=actor_id,
                creator=profile,
                target_type=ContentType.objects.get_for_model(target),
                target_id=target.pk,
                payload=payload,
                created_at=at,
                dispatched_at=at,
            )
        )

    def comment(self, subject: _Subject, *, author_id, body, at, parent=None) -> Comment:
        comment = Comment.objects.create(
            creator=subject.creator,
            author_id=author_id,
            post=subject.post,
            target_type=self.product_type if subject.product else None,
            target_id=subject.product.pk if subject.product else None,
            parent=parent,
            body=body,
            body_html=markdown_to_html(body),
            created_at=at,
        )
        self.comments += 1
        payload = {"comment_id": comment.pk}
        payload.update(
            {"post_id": subject.post.pk}
            if subject.post
            else {"target": "product", "target_id": subject.product.pk}
        )
        if parent is None:
            kind = EventKind.COMMENT if subject.post else EventKind.QUESTION
        else:
            payload["parent_id"] = parent.pk
            kind = EventKind.CREATOR_REPLY if author_id == subject.creator.pk else EventKind.REPLY
            if kind == EventKind.CREATOR_REPLY and parent.first_response_at is None:
                parent.first_response_at = at
                parent.save(update_fields=["first_response_at"])
                payload["response_seconds"] = int((at - parent.created_at).total_seconds())
        self.event(kind, actor_id=author_id, profile=subject.profile, target=comment, at=at,
                   payload=payload)  # fmt: skip
        return comment

    def likes(self, subject: _Subject, target, fan_ids: list[int], since: datetime, rng) -> None:
        field = "post" if isinstance(target, Post) else "comment"
        rows = []
        for user_id in fan_ids:
            at = _between(rng, since, self.now)
            rows.append(Reaction(user_id=user_id, created_at=at, **{field: target}))
            self.event(EventKind.REACTION, actor_id=user_id, profile=subject.profile,
                       target=target, at=at, payload={f"{field}_id": target.pk})  # fmt: skip
        Reaction.objects.bulk_create(rows)
        type(target).objects.filter(pk=target.pk).update(reaction_count=len(rows))


def _has_comments(subject: _Subject, product_type: ContentType) -> bool:
    if subject.post:
        return Comment.objects.filter(post=subject.post).exists()
    return Comment.objects.filter(target_type=product_type, target_id=subject.product.pk).exists()


def conversation_seed(
    *, seed: int, profiles: list[CreatorProfile], fan_user_ids: list[int], now: datetime
) -> int:
    """Add the demo conversation where it is missing; returns how many comments it wrote."""
    if not fan_user_ids:
        return 0
    product_type = ContentType.objects.get_for_model(Product)
    history = _History(product_type=product_type, now=now)
    first_creator = profiles[0].user_id if profiles else None
    keep_waiting = UNANSWERED_FOR_FIRST_CREATOR  # the first creator's first comments
    with transaction.atomic():
        for subject in _subjects(profiles):
            if _has_comments(subject, product_type):
                continue
            rng = random.Random(f"{seed}:conversation:{subject.key}")  # noqa: S311
            start = max(subject.since, now - timedelta(days=60))
            count = rng.randint(*COMMENTS_PER_SUBJECT)
            authors = rng.sample(fan_user_ids, min(count, len(fan_user_ids)))
            for author_id in authors:
                if subject.post:
                    body = rng.choice(POST_COMMENTS)
                else:
                    body = rng.choice(PRODUCT_QUESTIONS).format(title=subject.title)
                at = _between(rng, start, now - timedelta(hours=2))
                top = history.comment(subject, author_id=author_id, body=body, at=at)
                if rng.random() < FAN_REPLY_RATE:
                    other = rng.choice(fan_user_ids)
                    if other != author_id:
                        reply_at = _between(rng, at, now - timedelta(hours=1))
                        history.comment(
                            subject,
                            author_id=other,
                            body=rng.choice(FAN_REPLIES),
                            at=reply_at,
                            parent=top,
                        )
                if keep_waiting and subject.creator.pk == first_creator:
                    keep_waiting -= 1
                    continue
                if rng.random() < ANSWER_RATE:
                    answer_at = min(at + timedelta(hours=rng.uniform(0.5, 30)), now)
                    history.comment(
                        subject,
                        author_id=subject.creator.pk,
                        body=rng.choice(CREATOR_REPLIES),
                        at=answer_at,
                        parent=top,
                    )
                if rng.random() < 0.5:
                    likers = rng.sample(fan_user_ids, min(rng.randint(1, 4), len(fan_user_ids)))
                    history.likes(subject, top, likers, at, rng)
            if subject.post:
                likers = rng.sample(
                    fan_user_ids, min(rng.randint(*LIKES_PER_POST), len(fan_user_ids))
                )
                history.likes(subject, subject.post, likers, start, rng)
        EngagementEvent.objects.bulk_create(history.events)
    return history.comments
