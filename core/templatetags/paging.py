"""`{% page_url number param %}`: this URL with one page parameter set, others kept.

`{% querystring %}` takes only literal parameter names; a page that pages two lists (a
product's reviews and its questions) needs a name per list.
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number, param="page"):
    query = context["request"].GET.copy()
    query[param or "page"] = number
    return f"?{query.urlencode()}"
