"""`{% hole "partials/x.html" key=value %}`: a per-person part of a cached page.

Rendered like `{% include … with key=value %}`, except while the page is being rendered
for the shared cache: then it leaves a marker that becomes a `core.pagecache.Hole`,
rendered for each request with the request's context processors and `key=value` (as
strings) only — so a hole's partial reads what it needs itself (e.g. through a template
tag), and its values are ids or short strings the page already shows (a handle, a
count), not objects.
"""

from django import template
from django.utils.safestring import mark_safe

from core import pagecache

register = template.Library()


@register.simple_tag(takes_context=True)
def hole(context, template_name, **args):
    if template_name not in pagecache.HOLES:
        raise template.TemplateSyntaxError(f"{template_name!r} is not in pagecache.HOLES")
    args = {key: str(value) for key, value in args.items()}  # as replay will see them
    request = context.get("request")
    if request is not None and pagecache.rendering_for_cache(request):
        return mark_safe(pagecache.hole_marker(request, template_name, args))  # noqa: S308
    with context.push(**args):
        return context.template.engine.get_template(template_name).render(context)


@register.simple_tag(takes_context=True)
def fill_holes(context):
    """Replay's side (core.pagecache._fill): render the page's holes, in order, into
    `page_holes_out`, each in this one context with its arguments, as `{% hole %}` does
    when the page itself renders."""
    engine = context.template.engine
    out = context["page_holes_out"]
    for template_name, args in context["page_holes"]:
        with context.push(**args):
            out.append(engine.get_template(template_name).render(context))
    return ""
