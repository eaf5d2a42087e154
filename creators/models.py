"""People and relationships: users, creator profiles, follows and the engagement event log."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from creators.handles import HANDLE_MAX_LENGTH, validate_handle
from creators.images import VariantURLs


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


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
        ]

    def __str__(self):
        return f"{self.follower_id} → {self.followed_id}"


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


class EngagementEvent(models.Model):
    """Append-only log of every interaction, and the outbox of the engagement pipeline.

    Written by `creators.events.event_record` in the same transaction as the action it
    records; `dispatched_at` stays empty until a worker has handled it, so the sweeper can
    re-enqueue anything a broker outage or a dead worker dropped. Metrics are computed
    from this table alone, so payloads carry what they need (amount, currency, buyer).
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
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["creator", "created_at"], name="event_creator_created_idx"),
            models.Index(fields=["kind", "created_at"], name="event_kind_created_idx"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="event_undispatched_idx",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


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
