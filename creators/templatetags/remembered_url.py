"""`{% url %}` with its answers remembered by each process.

Django's reverse() walks the URLconf on every call (≈ 15 µs here), and a signed-in page
asks for 25-30 URLs, most of them the same on every page (the header's). URLconfs don't
change while a process runs, so the answer for one view name, arguments, current app,
script prefix and URLconf is kept in an LRU. Installed as a template builtin, so it
replaces Django's tag in every template; arguments other than strings and integers
(a model instance, say, reversed through its str()) are reversed every time.
"""

from functools import lru_cache

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_PLAIN = (str, int)


@lru_cache(maxsize=8192)
def _reverse(view_name, args, kwargs, current_app, prefix, urlconf) -> str:
    # `prefix` is part of the key only: reverse() reads it from the request's thread.
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def _remembered(view_name, args, kwargs, current_app) -> str:
    values = [*args, *kwargs.values()]
    if not isinstance(view_name, str) or any(type(value) not in _PLAIN for value in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    key_args = tuple((type(arg), arg) for arg in args)  # 1 and "1" reverse alike; True doesn't
    return _reverse(
        view_name,
        tuple(arg for _, arg in key_args),
        tuple(sorted(kwargs.items())),
        current_app,
        get_script_prefix(),
        get_urlconf(),
    )


class RememberedURLNode(defaulttags.URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = _remembered(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's `{% url %}`, same syntax and errors (see the module's docstring)."""
    node = defaulttags.url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
