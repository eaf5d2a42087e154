"""Small helpers for comment templates: who wrote it, and whether it can still be edited."""

from django import template
from django.core.exceptions import ObjectDoesNotExist

from creators.conversation import comment_can_edit

register = template.Library()


@register.filter
def author_profile(comment):
    """The author's creator profile, if they have one (select_related, no query)."""
    try:
        return comment.author.creator_profile
    except ObjectDoesNotExist:
        return None


@register.filter
def author_name(comment) -> str:
    """Creators by their display name; fans by their name, or "A fan" (emails stay private)."""
    profile = author_profile(comment)
    if profile is not None:
        return profile.display_name
    return comment.author.name or "A fan"


@register.filter
def editable(comment) -> bool:
    return comment_can_edit(comment)


@register.filter
def fan_badges(thread, comment) -> list:
    """`{{ thread|fan_badges:comment }}`: the author's badges with the thread's creator
    (loaded once per page by creators.threads)."""
    badges_of = getattr(thread, "badges_of", None)
    return badges_of(comment) if badges_of is not None else []
