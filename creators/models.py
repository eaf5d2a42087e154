"""People and relationships: users, creator profiles, follows and the engagement event log."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from core.images import VariantURLs
from creators.handles import HANDLE_MAX_LENGTH, validate_handle
from creators.time_zones import TIME_ZONE_MAX_LENGTH, default_time_zone, validate_time_zone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OrderedImage(models.Model):
    """An image in an ordered set (lowest position first), written only through
    `core.images.store_ordered_images`; subclasses add the owner FK and `image`."""

    variants = models.JSONField(default=dict, editable=False)
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    @property
    def urls(self) -> VariantURLs:
        return VariantURLs(self.variants)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Every user is a fan; one who opens a shop also has a CreatorProfile.

    Email is the login identifier. There is no username: the public name of a creator is
    their handle, and fans are shown by `name` (or not at all, unless they opt in).
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    name = models.CharField("name", max_length=120, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["-date_joined"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.name or self.email

    @property
    def public_name(self) -> str:
        """How a fan is shown to anyone else (a creator's dashboard, notifications): the
        name they chose, or "A fan". Never the email address, nor a part of it: a fan
        never agreed to show it (an order's buyer email is shown only on that order)."""
        return self.name.strip() or "A fan"

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email.split("@")[0]


class CreatorProfile(TimeStampedModel):
    """The public face of a creator: handle, name, bio and images. Comes with a shop."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="creator_profile")
    handle = models.CharField(
        max_length=HANDLE_MAX_LENGTH,
        validators=[validate_handle],
        help_text="Public name in the URL /@handle/. Unique regardless of case.",
    )
    display_name = models.CharField(max_length=80)
    bio = models.TextField(max_length=1000, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    avatar_variants = models.JSONField(default=dict, blank=True, editable=False)
    banner = models.ImageField(upload_to="banners/", blank=True)
    banner_variants = models.JSONField(default=dict, blank=True, editable=False)
    is_featured = models.BooleanField(
        default=False, help_text="Shown on the home page (set by staff)."
    )
    # Where the creator's days begin and end on their dashboard (docs/metrics.md).
    time_zone = models.CharField(
        max_length=TIME_ZONE_MAX_LENGTH,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="IANA time zone name, e.g. Europe/Paris. Metrics days are days in this zone.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="creator_handle_ci_unique"),
        ]
        indexes = [models.Index(fields=["is_featured", "-created_at"], name="creator_featured_idx")]

    def __str__(self):
        return f"@{self.handle}"

    def get_absolute_url(self):
        return reverse("creators:detail", kwargs={"handle": self.handle})

    @property
    def avatar_urls(self) -> VariantURLs:
        return VariantURLs(self.avatar_variants)

    @property
    def banner_urls(self) -> VariantURLs:
        return VariantURLs(self.banner_variants)

    @property
    def initials(self) -> str:
        words = self.display_name.split()
        return "".join(word[0] for word in words[:2]).upper() or self.handle[:1].upper()


class Follow(models.Model):
    """A fan follows a user (a creator today; public tastemaker fans later)."""

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followed = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_unique"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="follow_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["followed", "-created_at"], name="follow_followed_idx"),
            # Fan-out walks one creator's followers in follower-id order (keyset chunks).
            models.Index(fields=["followed", "follower"], name="follow_fanout_idx"),
            # The daily anniversary job walks one day's follows, keyset on (created_at, id).
            models.Index(fields=["created_at", "id"], name="follow_created_idx"),
        ]

    def __str__(self):
        return f"{self.follower_id} → {self.followed_id}"


FAN_PUBLIC_ID_LENGTH = 10
FAN_BIO_MAX_LENGTH = 300


class FanProfile(models.Model):
    """What a fan shows the world: nothing, unless they choose to ("shoppers have the power").

    One row per fan who opened their profile settings. While `is_public` is false the
    profile page is a 404, their name never appears in "bought this", nobody can follow
    them and their followers see none of their activity. `public_id` is the stable,
    random part of the profile's URL (/u/<public_id>/): no email, no sequential id.
    """

    user = models.OneToOneField(
        User, primary_key=True, on_delete=models.CASCADE, related_name="fan_profile"
    )
    public_id = models.CharField(max_length=16, unique=True, editable=False)
    is_public = models.BooleanField("make my profile public", default=False)
    bio = models.CharField(max_length=FAN_BIO_MAX_LENGTH, blank=True)
    made_public_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "fan profile"

    def __str__(self):
        return f"fan {self.user_id} ({'public' if self.is_public else 'private'})"

    def get_absolute_url(self):
        return reverse("creators:fan_profile", kwargs={"public_id": self.public_id})


class FanFollow(models.Model):
    """A fan follows another fan's public profile (a tastemaker).

    Kept apart from `Follow` on purpose: creator follower counts, the post feed and the
    relationship metrics read `Follow` only. Rows of a profile that went private stay
    (so going public again restores them) but every read requires the followed profile
    to be public, so nothing of a private fan reaches their followers.
    """

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="fan_following_set")
    followed = models.ForeignKey(User, on_delete=models.CASCADE, related_name="fan_follower_set")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="fan_follow_unique"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="fan_follow_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["followed", "follower"], name="fan_follow_followed_idx"),
        ]

    def __str__(self):
        return f"fan {self.follower_id} → fan {self.followed_id}"


class EventKind(models.TextChoices):
    SHOP_OPENED = "shop_opened", "Shop opened"
    FOLLOW = "follow", "Follow"
    UNFOLLOW = "unfollow", "Unfollow"
    POST_PUBLISHED = "post_published", "Post published"
    COMMENT = "comment", "Comment"
    REPLY = "reply", "Reply"
    CREATOR_REPLY = "creator_reply", "Creator reply"
    REACTION = "reaction", "Reaction"
    QUESTION = "question", "Question"
    REVIEW = "review", "Review"
    REVIEW_RESPONSE = "review_response", "Review response"
    ORDER_PLACED = "order_placed", "Order placed"
    ORDER_PAID = "order_paid", "Order paid"
    ORDER_SHIPPED = "order_shipped", "Order shipped"
    ORDER_DELIVERED = "order_delivered", "Order delivered"
    ORDER_CANCELLED = "order_cancelled", "Order cancelled"
    SHARE_VISIT = "share_visit", "Share-link visit"
    REFERRAL_PURCHASE = "referral_purchase", "Referral purchase"
    REPORT = "report", "Report"
    # Recognition (creators/featuring.py, thanks.py, milestones.py): not fan interactions.
    FEATURED = "featured", "Fan content featured"
    THANK_YOU = "thank_you", "Thank-you note"
    FOLLOWER_MILESTONE = "follower_milestone", "Follower milestone"
    FOLLOW_ANNIVERSARY = "follow_anniversary", "Follow anniversary"
    FAN_FOLLOW = "fan_follow", "Fan follows a fan"
    SAVED_PRICE_DROP = "saved_price_drop", "Saved product: price drop"
    SAVED_BACK_IN_STOCK = "saved_back_in_stock", "Saved product: back in stock"


class EngagementEvent(models.Model):
    """Append-only log of every interaction, and the outbox of the engagement pipeline.

    Written by `creators.events.event_record` in the same transaction as the action it
    records. `planned_at` is set when a worker has written the direct recipients'
    notifications and planned the fan-out chunks (`FanoutChunk`), in one transaction;
    `dispatched_at` only once all of that work is done — every chunk, every immediate
    email (creators/outbox.py). The sweeper re-enqueues whatever part a broker outage or a
    dead worker dropped. Metrics are computed from this table alone, so payloads carry
    what they need (amount, currency, buyer).
    """

    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    creator = models.ForeignKey(
        CreatorProfile, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    planned_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)  # all its work done

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["creator", "created_at"], name="event_creator_created_idx"),
            models.Index(fields=["kind", "created_at"], name="event_kind_created_idx"),
            # The metrics roll-up looks up one kind of a creator's events in a time window
            # (their replies to a comment, a follower's purchases) for every row it counts.
            models.Index(fields=["creator", "kind", "created_at"], name="event_creator_kind_idx"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="event_undispatched_idx",
            ),
            # One buyer's paid orders with one creator (payload buyer_id, since whoever
            # marks an order paid is the actor): the roll-up ranks them (first purchase,
            # repeat purchase) and sums them for the buyer's relationship.
            models.Index(
                models.F("creator"),
                Cast(KeyTextTransform("buyer_id", "payload"), models.BigIntegerField()),
                models.F("created_at"),
                condition=models.Q(kind="order_paid"),
                name="event_paid_buyer_idx",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class FanoutChunk(models.Model):
    """One keyset chunk (after, upto] of an event's audience (e.g. its creator's followers).

    Planned when the event is dispatched, in the transaction that writes the direct
    recipients' notifications; `done_at` is set in the transaction that writes the chunk's
    notifications, so a chunk is either done with all its rows or not done at all. The
    sweeper re-enqueues chunks left undone (creators/outbox.py).
    """

    event = models.ForeignKey(
        EngagementEvent, on_delete=models.CASCADE, related_name="fanout_chunks", db_index=False
    )
    after = models.PositiveBigIntegerField()
    upto = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_id", "after"]
        constraints = [
            models.UniqueConstraint(fields=["event", "after"], name="fanout_chunk_unique"),
        ]
        indexes = [
            # The sweeper and /healthz: chunks not done yet, oldest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(done_at__isnull=True),
                name="fanout_chunk_pending_idx",
            ),
        ]

    def __str__(self):
        return f"event {self.event_id} ({self.after}, {self.upto}]"


POST_BODY_MAX_LENGTH = 10_000
POST_MAX_IMAGES = 4


class PostStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"


class PostVisibility(models.TextChoices):
    PUBLIC = "public", "Everyone"
    FOLLOWERS = "followers", "Followers only"


class Post(TimeStampedModel):
    """Something a creator shares with fans; comments, reactions and tagged products hang
    off it (tagged products live in shops.PostProduct, since creators never imports shops).

    `creator` is the author (a user, like both ends of a Follow, so the feed is one join
    over follows). A post is public once `status` is published; `published_at` is when
    that happened and orders every list (with `id` as the tie-break of the keyset cursor).
    """

    creator = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts")
    body = models.TextField(max_length=POST_BODY_MAX_LENGTH, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    link_url = models.URLField(
        "video or link URL",
        max_length=500,
        blank=True,
        help_text="Shown as a plain link card under the post (no embedded players).",
    )
    is_question = models.BooleanField(
        "ask fans a question",
        default=False,
        help_text="The post is shown as a question that invites fans to reply.",
    )
    status = models.CharField(max_length=16, choices=PostStatus.choices, default=PostStatus.DRAFT)
    visibility = models.CharField(
        max_length=16, choices=PostVisibility.choices, default=PostVisibility.PUBLIC
    )
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When a scheduled post goes live."
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Likes, maintained with F() by creators.conversation in the reaction's transaction.
    reaction_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="post_published_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(publish_at__isnull=False),
                name="post_scheduled_has_time",
            ),
        ]
        indexes = [
            # Feed and discover: newest published first, keyset on (published_at, id).
            models.Index(
                fields=["-published_at", "-id"],
                condition=models.Q(status="published"),
                name="post_published_idx",
            ),
            # One creator's posts (creator page, and the feed's per-followed-creator scans).
            models.Index(
                fields=["creator", "-published_at", "-id"],
                condition=models.Q(status="published"),
                name="post_creator_published_idx",
            ),
            # The scheduler's scan for due posts.
            models.Index(
                fields=["publish_at"],
                condition=models.Q(status="scheduled"),
                name="post_scheduled_due_idx",
            ),
            # The Studio list of a creator's own posts, any status.
            models.Index(fields=["creator", "-created_at"], name="post_creator_created_idx"),
        ]

    def __str__(self):
        return f"post #{self.pk} by {self.creator_id}"

    def get_absolute_url(self) -> str:
        handle = self.creator.creator_profile.handle
        return reverse("creators:post", kwargs={"handle": handle, "post_id": self.pk})

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED

    @property
    def is_followers_only(self) -> bool:
        return self.visibility == PostVisibility.FOLLOWERS

    @property
    def teaser(self) -> str:
        """What a non-follower sees of a followers-only post: never more than half of it
        (at most 12 words), so a short post is not given away whole."""
        words = strip_tags(self.body_html).split()
        return " ".join(words[: min(12, len(words) // 2)]) + "…"


class PostImage(OrderedImage):
    """One of a post's ordered images (at most POST_MAX_IMAGES), stored through the gate."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="posts/")

    def __str__(self):
        return f"{self.post_id}#{self.position}"


# Conversation: comments, questions, replies, reactions, moderation ----------------------


def _one_of(name: str, first: str, second: str, *, unique_with: str) -> list:
    """Exactly one of two nullable FKs is set, and each is unique per `unique_with`."""
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{first}__isnull": False, f"{second}__isnull": True})
            | models.Q(**{f"{first}__isnull": True, f"{second}__isnull": False}),
            name=f"{name}_one_target",
        ),
        *(
            models.UniqueConstraint(
                fields=[unique_with, field],
                condition=models.Q(**{f"{field}__isnull": False}),
                name=f"{name}_{field}_unique",
            )
            for field in (first, second)
        ),
    ]


COMMENT_MAX_LENGTH = 5_000
COMMENT_EDIT_WINDOW_SECONDS = 15 * 60


class Comment(models.Model):
    """A fan's comment on a post, or question on another app's object (a product), and the
    replies to it (one level deep: `parent` is always a top-level comment).

    A comment points at exactly one subject: `post` for posts, or the generic `target`
    for anything else (products live in shops, which creators never imports). `creator`
    is the user who owns the subject; it is copied here so the Inbox, moderation and
    blocks are one indexed filter, whatever the subject is.

    Top-level fan comments wait in the creator's Inbox until `first_response_at` (the
    creator's first reply, the metrics issue reads it) or `handled_at` is set.
    """

    creator = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="comments")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    body_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    first_response_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    reaction_count = models.PositiveIntegerField(default=0)
    # No column: deleting a comment deletes its place on the creator's page.
    featured = GenericRelation(
        "creators.FeaturedItem", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(post__isnull=False, target_type__isnull=True, target_id__isnull=True)
                    | models.Q(
                        post__isnull=True, target_type__isnull=False, target_id__isnull=False
                    )
                ),
                name="comment_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["post", "created_at"], name="comment_post_idx"),
            models.Index(
                fields=["target_type", "target_id", "created_at"], name="comment_target_idx"
            ),
            models.Index(fields=["parent", "created_at"], name="comment_parent_idx"),
            # The Inbox: the creator's top-level comments still waiting for an answer.
            models.Index(
                fields=["creator", "created_at"],
                condition=models.Q(
                    parent__isnull=True,
                    first_response_at__isnull=True,
                    handled_at__isnull=True,
                    deleted_at__isnull=True,
                    is_hidden=False,
                ),
                name="comment_inbox_idx",
            ),
        ]

    def __str__(self):
        return f"comment #{self.pk} by {self.author_id}"

    def get_absolute_url(self) -> str:
        anchor = f"#comment-{self.pk}"
        if self.post_id is not None:
            handle = self.post.creator.creator_profile.handle
            url = reverse("creators:post", kwargs={"handle": handle, "post_id": self.post_id})
            return url + anchor
        return self.target.get_absolute_url() + anchor

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_question(self) -> bool:
        """Top-level comments on a product (any non-post subject) are questions."""
        return self.post_id is None and self.parent_id is None

    @property
    def by_creator(self) -> bool:
        return self.author_id == self.creator_id


class Reaction(models.Model):
    """A like on a post or a comment; one per user and target (the counters on Post and
    Comment move with it, in the same transaction)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reactions")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = _one_of("reaction", "post", "comment", unique_with="user")

    def __str__(self):
        return f"like by {self.user_id} on {self.post_id or self.comment_id}"


class Block(models.Model):
    """A creator stops a fan from commenting on their posts and products."""

    creator = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "blocked"], name="block_unique"),
            models.CheckConstraint(
                condition=~models.Q(creator=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.creator_id} blocks {self.blocked_id}"


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    HARASSMENT = "harassment", "Harassment or hate"
    INAPPROPRIATE = "inappropriate", "Inappropriate or offensive"
    SCAM = "scam", "Scam or fraud"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    HIDDEN = "hidden", "Content hidden"
    DISMISSED = "dismissed", "Dismissed"
    SUSPENDED = "suspended", "Author suspended"


class Report(models.Model):
    """Someone signed in flags a comment or a post for staff; once per reporter and thing."""

    reporter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    details = models.TextField(max_length=1000, blank=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = _one_of("report", "comment", "post", unique_with="reporter")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="open"),
                name="report_open_idx",
            )
        ]

    def __str__(self):
        return f"report #{self.pk} ({self.get_status_display()})"


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "Email"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Right away"
    DIGEST = "digest", "In a daily digest"
    OFF = "off", "Never"


class Notification(models.Model):
    """One event told to one person on one channel (the bell, or an email).

    Unique per (event, recipient, channel), so a dispatch or fan-out chunk that runs twice
    writes nothing twice. Email rows are an outbox too: `sent_at` stays empty until the
    email went out; `digest` rows wait for the daily digest instead of going out at once.
    An immediate email is claimed before it is sent (`claimed_at`, `attempts`: see
    creators/notification_emails.py for the protocol).
    """

    # No single-column indexes: the unique (event, …) and list (recipient, …) indexes
    # below lead with these columns; four indexes, not six, on a table fan-out fills fast.
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    event = models.ForeignKey(
        EngagementEvent, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    channel = models.CharField(
        max_length=8, choices=NotificationChannel.choices, default=NotificationChannel.IN_APP
    )
    digest = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # the last attempt's start
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"], name="notification_unique"
            ),
        ]
        indexes = [
            # The notifications page: one person's bell rows, newest first.
            models.Index(
                fields=["recipient", "channel", "-created_at"], name="notification_list_idx"
            ),
            # The bell's unread count.
            models.Index(
                fields=["recipient"],
                condition=models.Q(channel="in_app", read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The digest job: email rows still waiting, per person.
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(channel="email", digest=True, sent_at__isnull=True),
                name="notification_digest_idx",
            ),
            # Immediate email rows still waiting: the sweeper and /healthz (oldest first),
            # and whether an event still has some (per event).
            models.Index(
                fields=["created_at"],
                condition=models.Q(channel="email", digest=False, sent_at__isnull=True),
                name="notification_email_due_idx",
            ),
            models.Index(
                fields=["event"],
                condition=models.Q(channel="email", digest=False, sent_at__isnull=True),
                name="notification_email_event_idx",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id} ({self.channel})"


class NotificationPreference(models.Model):
    """How one person wants email about one topic; no row means the topic's default."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    topic = models.CharField(max_length=32)
    email_mode = models.CharField(max_length=12, choices=EmailMode.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic"]
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="notification_pref_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.topic}: {self.email_mode}"


# --- Relationship metrics (derived from EngagementEvent; see docs/metrics.md) ---------


class CreatorMetricsDay(models.Model):
    """One creator's relationship metrics for one day in the creator's time zone, rolled
    up from events.

    Derived data: `creators.rollup` replaces a day's row whenever it recomputes it, so
    nothing here is ever edited by hand. Flow columns count what happened that day and
    add up over a period; gauge columns describe the creator at the end of the day.
    """

    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    # Audience (gauge, then flows)
    followers = models.PositiveIntegerField(default=0)
    follows = models.PositiveIntegerField(default=0)
    unfollows = models.PositiveIntegerField(default=0)
    # Conversation: fan comments and questions that day, and what became of them
    comments = models.PositiveIntegerField(default=0)
    answered_48h = models.PositiveIntegerField(default=0)
    # Of that day's comments, those unanswered whose 48 h were not over at computation time:
    # left out of the reply rate until they are answered or their time is up.
    comments_open = models.PositiveIntegerField(default=0)
    creator_replies = models.PositiveIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)
    response_median_seconds = models.PositiveIntegerField(null=True, blank=True)
    unanswered = models.PositiveIntegerField(default=0)  # gauge: backlog at end of day
    # Engagement
    engaged_fans = models.PositiveIntegerField(default=0)  # gauge: trailing 30 days
    posts = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    # Commerce
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    revenue_followers = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    buyers = models.PositiveIntegerField(default=0)
    new_buyers = models.PositiveIntegerField(default=0)  # paid for the first time that day
    buyers_total = models.PositiveIntegerField(default=0)  # gauge: ever paid
    repeat_buyers_total = models.PositiveIntegerField(default=0)  # gauge: paid twice or more
    follows_90d = models.PositiveIntegerField(default=0)  # gauge: follows in trailing 90 days
    converted_90d = models.PositiveIntegerField(default=0)  # of those, bought within 90 days
    # Advocacy
    reviews = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    review_responses = models.PositiveIntegerField(default=0)
    share_visits = models.PositiveIntegerField(default=0)
    referral_purchases = models.PositiveIntegerField(default=0)
    # Composite over the trailing 30 days (creators.metrics.ror_score)
    ror_score = models.PositiveSmallIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["creator", "date"]
        verbose_name = "creator metrics day"
        constraints = [
            models.UniqueConstraint(fields=["creator", "date"], name="metrics_day_unique"),
        ]
        indexes = [models.Index(fields=["date", "ror_score"], name="metrics_day_ror_idx")]

    def __str__(self):
        return f"{self.creator_id} {self.date}"


class RelationshipStage(models.IntegerChoices):
    """Rungs of the relationship ladder, ordered: a fan is on the highest one they hold."""

    VISITOR = 0, "Visitor"
    FOLLOWER = 1, "Follower"
    ENGAGED = 2, "Engaged"
    BUYER = 3, "Buyer"
    REPEAT_BUYER = 4, "Repeat buyer"
    ADVOCATE = 5, "Advocate"


class FanRelationship(models.Model):
    """Where one fan stands with one creator, rebuilt from events by the roll-up."""

    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    stage = models.PositiveSmallIntegerField(
        choices=RelationshipStage.choices, default=RelationshipStage.VISITOR
    )
    is_follower = models.BooleanField(default=False)
    followed_at = models.DateTimeField(null=True, blank=True)
    interactions = models.PositiveIntegerField(default=0)
    first_interaction_at = models.DateTimeField(null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    last_comment_event = models.ForeignKey(
        EngagementEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purchases = models.PositiveIntegerField(default=0)
    spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    reviewed = models.BooleanField(default=False)
    is_fading = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["creator", "-last_interaction_at"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "fan"], name="relationship_unique"),
        ]
        indexes = [
            models.Index(fields=["creator", "stage"], name="relationship_stage_idx"),
            models.Index(
                fields=["creator", "last_interaction_at"],
                condition=models.Q(is_fading=True),
                name="relationship_fading_idx",
            ),
            # The hourly roll-up finds the few relationships whose last interaction has
            # just become 30 days old (they start fading) without reading the others.
            models.Index(
                fields=["last_interaction_at"],
                condition=models.Q(is_fading=False),
                name="relationship_active_idx",
            ),
        ]

    def __str__(self):
        return f"{self.fan_id} → {self.creator_id}: {self.get_stage_display()}"


class MetricsWatermark(models.Model):
    """How far the roll-up has got: every event up to `last_event_id` is counted.

    One row per roll-up name. Safe to redo after a crash: a run recomputes whole days
    (from the oldest new event's day, and at least the lookback) and only then moves the
    watermark forward.
    """

    name = models.CharField(max_length=40, unique=True)
    rolled_up_to = models.DateTimeField()
    # Events are found by id, not by time: a late event (old created_at, new id) is seen.
    last_event_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} @ {self.rolled_up_to:%Y-%m-%d %H:%M}"


# --- Recognition: fan badges, featured fan content, thank-you notes, milestones ---------


class BadgeKind(models.TextChoices):
    FIRST_SUPPORTER = "first_supporter", "First supporter"
    TOP_FAN = "top_fan", "Top fan"
    ADVOCATE = "advocate", "Advocate"
    REVIEWER = "reviewer", "Reviewer"


class FanBadge(models.Model):
    """A badge one fan holds with one creator (docs/metrics.md, "Fan badges").

    Derived data, like FanRelationship: `creators.badges.badges_rebuild` recomputes a
    creator's badges from engagement events after each metrics roll-up and replaces
    what changed; nothing else writes here.
    """

    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=BadgeKind.choices)
    # First supporters: the fan's place among the first buyers; top fans: their rank.
    rank = models.PositiveIntegerField(null=True, blank=True)
    # Top fans: interactions + purchases in the window; advocates: referral purchases;
    # reviewers: reviews written.
    count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["creator", "fan", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "fan", "kind"], name="fan_badge_unique"),
        ]
        indexes = [models.Index(fields=["fan", "creator"], name="fan_badge_fan_idx")]

    def __str__(self):
        return f"{self.fan_id} is {self.kind} of {self.creator_id}"


FEATURED_MAX = 6


class FeaturedItem(models.Model):
    """A fan's comment or review the creator shows on their page ("From our fans").

    The item points at its content generically (a Comment here, a reviews.Review — which
    creators never imports), registered in `creators.featuring`; `fan` is its author, so
    badges and blocks apply without loading the content. At most FEATURED_MAX per creator.
    """

    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "target_type", "target_id"], name="featured_item_unique"
            ),
        ]
        indexes = [models.Index(fields=["creator", "-created_at"], name="featured_creator_idx")]

    def __str__(self):
        return f"{self.target_type_id}:{self.target_id} featured by {self.creator_id}"


THANK_YOU_MAX_LENGTH = 500


class ThankYouNote(models.Model):
    """A short note a creator sends to a fan who interacted with them (one per fan per
    day, enforced by the unique constraint; a daily cap per creator in the service)."""

    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(User, on_delete=models.CASCADE, related_name="thank_you_notes")
    body = models.TextField(max_length=THANK_YOU_MAX_LENGTH)
    sent_on = models.DateField()  # the UTC day, for the once-a-day rule
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "fan", "sent_on"], name="thank_you_once_a_day"
            ),
        ]
        indexes = [
            models.Index(fields=["fan", "-created_at"], name="thank_you_fan_idx"),
            models.Index(fields=["creator", "sent_on"], name="thank_you_creator_day_idx"),
        ]

    def __str__(self):
        return f"thanks from {self.creator_id} to {self.fan_id} on {self.sent_on}"


class FollowerMilestone(models.Model):
    """A follower count a creator reached (100, 1,000, …): one row, one notification,
    ever — losing followers and climbing back tells nobody twice."""

    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="+")
    followers = models.PositiveIntegerField()
    reached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["creator", "followers"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "followers"], name="milestone_once"),
        ]

    def __str__(self):
        return f"{self.creator_id} reached {self.followers} followers"


class FollowAnniversary(models.Model):
    """A fan has followed a creator for `years` years: told once per pair and year, even
    if they unfollow and follow again."""

    fan = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="+")
    years = models.PositiveSmallIntegerField()
    followed_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fan", "creator", "years"], name="anniversary_once_a_year"
            ),
        ]

    def __str__(self):
        return f"{self.fan_id} followed {self.creator_id} for {self.years} years"


class MetricsRecompute(models.Model):
    """A creator whose metric rows must be rebuilt from scratch by the next roll-up.

    Written when something other than events changes what the rows mean — the creator's
    time zone (their days now begin at another hour). The roll-up rebuilds every day it
    had for the creator, then deletes this row if nobody asked again in the meantime.
    """

    creator = models.OneToOneField(
        CreatorProfile, on_delete=models.CASCADE, related_name="metrics_recompute"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"recompute {self.creator_id} @ {self.requested_at:%Y-%m-%d %H:%M}"
