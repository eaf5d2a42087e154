"""`{% hole "partials/x.html" %}`: a per-person part of a page the page cache replays.

Rendered like an include, except while the page is being rendered for the cache: then
it leaves a marker that `creators.pagecache.fill` renders for each request.
"""

from django import template
from django.utils.safestring import mark_safe

from creators import pagecache

register = template.Library()


@register.simple_tag(takes_context=True)
def hole(context, template_name):
    if template_name not in pagecache.HOLES:
        raise template.TemplateSyntaxError(f"{template_name!r} is not in pagecache.HOLES")
    request = context.get("request")
    if request is not None and pagecache.rendering_for_cache(request):
        return mark_safe(pagecache.hole_marker(template_name))  # noqa: S308 - a constant marker
    return context.template.engine.get_template(template_name).render(context)
