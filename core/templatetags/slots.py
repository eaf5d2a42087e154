"""`{% slot %}` and `{% links %}`: the places a lower app's template leaves for higher apps.

    {% slot "creator_page.products" profile=profile is_owner=is_owner %}

renders, in order, the partials registered for the slot (core/slots.py), each as
`{% include … with profile=profile is_owner=is_owner %}` would (the page's context plus
the slot's arguments), less the partial's final newline. Nothing registered, nothing
rendered.

    {% links "studio" as studio_links %}

gives the group's `core.slots.Link`s (url_name, title, text), for the template to lay out.
"""

from django import template
from django.utils.safestring import mark_safe

from core import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name, **args):
    names = slots.templates(name)
    if not names:
        return ""
    engine = context.template.engine
    with context.push(**args):
        # A partial's final newline is dropped: a slot inside a line adds no space.
        html = "".join(
            engine.get_template(part).render(context).removesuffix("\n") for part in names
        )
    return mark_safe(html)  # noqa: S308 - our templates' output, escaped as they render


@register.simple_tag(name="links")
def links(group):
    return slots.links(group)
