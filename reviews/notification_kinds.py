"""The review kinds of the notification pipeline (creators.notify), registered from
ReviewsConfig.ready: creators never imports reviews."""

from creators import notify
from creators.models import EmailMode, EngagementEvent, EventKind
from reviews.models import Review


def _fan_name(event: EngagementEvent) -> str:
    # The public name: a short name would fall back to the start of the email address.
    return event.actor.public_name if event.actor else "A fan"


def _url(event: EngagementEvent) -> str:
    target = event.target
    return target.get_absolute_url() if target is not None else event.creator.get_absolute_url()


def _new_review_to_creator(event: EngagementEvent) -> list[int]:
    if event.payload.get("edited") or event.creator is None:
        return []  # an edit is not news: the creator was told when it was written
    return [event.creator.user_id]


def _describe_review(event: EngagementEvent, recipient_id: int) -> notify.Description:
    stars = event.payload.get("rating")
    text = f"{_fan_name(event)} reviewed your product" + (f" ({stars}★)" if stars else "")
    return notify.Description(text, _url(event))


def _first_response_to_reviewer(event: EngagementEvent) -> list[int]:

    if event.payload.get("edited"):
        return []
    review_id = event.payload.get("review_id")
    return list(Review.objects.filter(pk=review_id).values_list("author_id", flat=True))


def _describe_response(event: EngagementEvent, recipient_id: int) -> notify.Description:
    name = event.creator.display_name if event.creator else "The creator"
    target = event.target
    url = target.review.get_absolute_url() if target is not None else _url(event)
    return notify.Description(f"{name} answered your review", url)


def register() -> None:
    notify.topic_register(
        "reviews",
        label="Reviews of your products and answers to yours",
        default=EmailMode.IMMEDIATE,
    )
    notify.kind_register(
        EventKind.REVIEW,
        topic="reviews",
        recipients=_new_review_to_creator,
        describe=_describe_review,
    )
    notify.kind_register(
        EventKind.REVIEW_RESPONSE,
        topic="reviews",
        recipients=_first_response_to_reviewer,
        describe=_describe_response,
    )
