"""Whole-page cache for public pages (home, catalog, creator and product pages, the cart).

A page is rendered once and replayed to everyone who is not its owner, signed in or not.
**A cached page holds nothing of any viewer.** While a page renders for the cache, each
per-person part is written as a marker instead: a `{% hole %}` partial (the header with
the cart badge, flash messages, "you follow this creator"…) and the CSRF token of every
form. A marker carries a random nonce made for that one render, and right after the
render the page is cut at its markers into `parts`: shared HTML and `Hole`s. Replay joins
the parts, rendering each hole for the request and asking Django's `get_token` for the
CSRF token. No content is searched at replay, and user text cannot make a hole: it would
have to contain a nonce that never leaves the server.

Invalidation is by version, never by deleting keys: a page's key includes the current
version token of every scope it depends on (the whole site, the catalog, one creator).
A write that changes what a page shows calls `touch(...)`, which replaces those tokens
when its transaction commits, so the next request computes a new key and renders afresh.
A request that read the old token before the commit may still store its page, but under
the old key, which nobody reads again — so a page is never stale once the change has
committed. Entries also expire after `PAGE_CACHE_SECONDS` (0 turns the cache off).

Fail open: the cache is an optimisation. Any cache error or timeout means "not cached" —
the page is rendered and served, nothing is stored — and is logged, whatever the backend.
A version bump the cache missed must not leave old pages to be replayed once it answers
again: the project's backend (core/cache.py) undoes every write Redis may have missed
before its next call, so a missed bump reads as a new token.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from functools import lru_cache, wraps
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template import Engine, RequestContext
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject

logger = logging.getLogger(__name__)

SITE = "site"  # shared by every cached page: tags, site-wide settings
CATALOG = "catalog"  # any product or creator anywhere: home and /shop/

# Partials that may be punched out of a cached page; apps add theirs with
# `register_hole` in AppConfig.ready(). Replay renders nothing outside this set.
HOLES = {
    "partials/site_nav.html",
    "partials/messages.html",
    "partials/footer_account.html",
}


class Hole(NamedTuple):
    """A per-person part of a cached page: a partial in HOLES with its arguments (ids or
    short strings the page already shows), or CSRF, the token of a form."""

    name: str
    args: tuple[tuple[str, str], ...] = ()


CSRF = Hole("csrf")
Parts = tuple  # of str (shared HTML) and Hole, in page order

_RENDER = "_page_cache_render"  # on the request while it renders for the cache
_PLAIN_COPY = "_page_cache_plain_copy"  # set by cached_page, stored by the middleware


def register_hole(template_name: str) -> None:
    HOLES.add(template_name)


# --- Rendering for the cache -----------------------------------------------------------


class _Render:
    """One render for the cache: its nonce and the holes its markers point at."""

    def __init__(self):
        self.nonce = secrets.token_hex(12)
        self.holes: list[Hole] = []
        self.marker = re.compile(re.escape(self.nonce) + r"\.(\d+|c)\.")

    def mark(self, hole: Hole) -> str:
        if hole == CSRF:
            return f"{self.nonce}.c."  # word characters only: fits an attribute or JSON
        self.holes.append(hole)
        return f"{self.nonce}.{len(self.holes) - 1}."

    def split(self, html: str) -> Parts:
        pieces = self.marker.split(html)  # text, marker, text, marker, …, text
        parts: list = []
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                if piece:
                    parts.append(piece)
            else:
                parts.append(CSRF if piece == "c" else self.holes[int(piece)])
        return tuple(parts)


@contextmanager
def _rendering_for_cache(request):
    """Render inside this block for the cache; nested blocks share the outer render."""
    outer = getattr(request, _RENDER, None)
    render = outer or _Render()
    setattr(request, _RENDER, render)
    try:
        yield render
    finally:
        setattr(request, _RENDER, outer)


def rendering_for_cache(request) -> bool:
    return getattr(request, _RENDER, None) is not None


def hole_marker(request, template_name: str, args: dict[str, str] | None = None) -> str:
    """What `{% hole %}` writes while the page renders for the cache."""
    return getattr(request, _RENDER).mark(Hole(template_name, tuple(sorted((args or {}).items()))))


def csrf_marker(request) -> str:
    """What `{% csrf_token %}` and `{{ csrf_token }}` write while rendering for the cache."""
    return getattr(request, _RENDER).mark(CSRF)


def _fill(request, parts: Parts) -> str:
    """The page as this request sees it: one CSRF token for the whole page, and every
    hole rendered in one template context (the context processors run once per page,
    not once per hole: a product page has nine holes)."""
    csrf = lru_cache(maxsize=1)(lambda: get_token(request))
    holes = [part for part in parts if isinstance(part, Hole) and part.name in HOLES]
    rendered = iter(_render_holes(request, holes, csrf) if holes else ())
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part == CSRF:
            out.append(csrf())
        elif part.name in HOLES:
            out.append(next(rendered))
    return "".join(out)


def _render_holes(request, holes: list[Hole], csrf: Callable[[], str]) -> list[str]:
    """Each hole's HTML, in order, as `{% hole %}` renders it inside a page: its partial
    in the page's context (here a `RequestContext` of the request), with its arguments.
    The work happens in the `fill_holes` tag (core/templatetags/page_holes.py)."""
    out: list[str] = []
    context = RequestContext(
        request,
        {"page_holes": [(hole.name, dict(hole.args)) for hole in holes], "page_holes_out": out},
    )
    with context.push(csrf_token=SimpleLazyObject(csrf)):  # the page's token, made once
        _holes_template(Engine.get_default()).render(context)
    return out


@lru_cache(maxsize=4)  # by engine: tests change TEMPLATES, which makes a new one
def _holes_template(engine: Engine):
    return engine.from_string("{% load page_holes %}{% fill_holes %}")


def _emit(request, parts: Parts) -> str:
    """Parts inside a page that is itself rendering for the cache: markers again."""
    render = getattr(request, _RENDER)
    return "".join(part if isinstance(part, str) else render.mark(part) for part in parts)


def _plain_segments(request, parts: Parts, depth: int = 0) -> tuple[bytes, ...]:
    """A page for visitors without a session: every hole rendered as they all see it,
    cut where the CSRF token goes (the only part that differs between them)."""
    resolved: list = []
    for part in parts:
        if isinstance(part, str) or part == CSRF:
            resolved.append(part)
        elif part.name in HOLES and depth < 3:
            with _rendering_for_cache(request) as render:
                html = render_to_string(part.name, dict(part.args), request=request)
                resolved.extend(render.split(html))
    if any(isinstance(part, Hole) and part != CSRF for part in resolved):
        return _plain_segments(request, tuple(resolved), depth + 1)
    segments, current = [], []
    for part in resolved:
        if part == CSRF:
            segments.append("".join(current))
            current = []
        elif isinstance(part, str):
            current.append(part)
    segments.append("".join(current))
    return tuple(segment.encode() for segment in segments)


# --- The cache, failing open -----------------------------------------------------------


class _Quiet:
    """Log a failure at most every few seconds: an outage must not flood the logs."""

    last = 0.0
    failures = 0


def _failed(what: str, exc: Exception) -> None:
    _Quiet.failures += 1
    now = time.monotonic()
    if now - _Quiet.last >= 10:
        _Quiet.last = now
        logger.warning(
            "page cache: %s failed (%s: %s); serving uncached (%s failures so far)",
            what,
            type(exc).__name__,
            exc,
            _Quiet.failures,
        )


def _get_many(keys: list[str]) -> dict:
    try:
        return cache.get_many(keys)
    except Exception as exc:  # any backend, any error: the page is served uncached
        _failed("read", exc)
        return {}


def _set_many(values: dict, timeout) -> list[str]:
    """Keys that could not be written (Django's set_many contract)."""
    try:
        return list(cache.set_many(values, timeout))
    except Exception as exc:
        _failed("write", exc)
        return list(values)


def _version_key(scope: str) -> str:
    return f"pagecache:v:{scope}"


def _tokens(scopes: Iterable[str], found: dict) -> str | None:
    """The current tokens of `scopes` (from `found`, a get_many that asked for them); a
    scope never seen (or evicted) gets one. None when the cache can't say: uncacheable."""
    tokens = []
    for scope in scopes:
        key = _version_key(scope)
        token = found.get(key)
        if token is None:
            try:
                cache.add(key, uuid.uuid4().hex, timeout=None)
                token = cache.get(key)
            except Exception as exc:
                _failed("version read", exc)
            if token is None:
                return None
        tokens.append(token)
    return ".".join(tokens)


# --- Versions --------------------------------------------------------------------------

_pending = threading.local()  # scopes touched by this thread's open transaction


def touch(*scopes: str) -> None:
    """Invalidate every cached page of `scopes` once the current transaction commits
    (outside a transaction: now). A transaction's touches make one write to the cache;
    a rolled-back one's leave at most an unneeded bump with the next commit."""
    if not scopes:
        return
    pending = _pending.__dict__.setdefault("scopes", set())
    pending.update(scopes)
    transaction.on_commit(_bump_pending, robust=True)


def _bump_pending() -> None:
    scopes = _pending.__dict__.pop("scopes", None)
    if scopes:
        _bump(scopes)


def _bump(scopes: set[str]) -> None:
    _set_many({_version_key(scope): uuid.uuid4().hex for scope in scopes}, None)


# --- Pages -----------------------------------------------------------------------------


class PageEntry(NamedTuple):
    tokens: str  # the scope tokens it was rendered under: valid while they are current
    content_type: str
    parts: Parts


class PlainPage(NamedTuple):
    tokens: str
    segments: tuple[bytes, ...]  # UTF-8, joined by the visitor's CSRF token
    headers: tuple[tuple[str, str], ...]  # as the whole middleware stack left them


def _current(key: str, scopes: list[str], kind: type):
    """(the `kind` entry at `key` if it was stored under the current tokens, else None;
    those tokens, or None when the cache can't say). One cache round trip."""
    found = _get_many([key, *map(_version_key, scopes)])
    tokens = _tokens(scopes, found)
    entry = found.get(key)
    if tokens is None or not isinstance(entry, kind) or entry.tokens != tokens:
        return None, tokens
    return entry, tokens


def _store(key: str, entry) -> None:
    _set_many({key: entry}, settings.PAGE_CACHE_SECONDS)


def _plain_visitor(request) -> bool:
    """No session and no flash messages: every hole renders the same for such visitors
    of one URL (signed out, empty cart), so their copy is kept with holes filled."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def _cacheable_request(request) -> bool:
    return request.method == "GET" and settings.PAGE_CACHE_SECONDS > 0


def _page_key(request) -> str:
    raw = f"{_templates_release()}\n{request.get_host()}\n{request.get_full_path()}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


@lru_cache(maxsize=1)
def _templates_release() -> str:
    """A hash of the project's templates, part of every page and fragment key.

    A cached page holds holes for the templates that rendered it; after a deploy (or
    while old and new processes run side by side) a page must only be replayed by the
    templates that made it, so each release of the templates has its own entries.
    """
    digest = hashlib.sha256()
    for engine in settings.TEMPLATES:
        for directory in map(Path, engine.get("DIRS", [])):
            for path in sorted(directory.rglob("*.html")):
                digest.update(str(path.relative_to(directory)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class PlainVisitorPageMiddleware:
    """Replay cached pages to plain visitors before the rest of the middleware runs.

    Plain visitors (no session, no flash messages: first visits, crawlers, links shared
    elsewhere) are most of a storefront's traffic, and their copy of a page is the same
    for all of them but the CSRF token. So it is kept with its holes filled and the
    headers the inner middleware gave it (X-Frame-Options, Vary…), and a hit skips
    sessions, authentication, messages and the view — what Django's cache middleware
    does, with `cached_page`'s scope tokens so that a change still makes the copy stale
    at once. The CSRF token and cookie come from Django's own `get_token` and
    CsrfViewMiddleware. Sits after the security headers' middleware (CSP, Permissions-
    Policy, X-Frame-Options…) and WhiteNoise, so hits get those headers fresh and static
    files are untouched.
    """

    _SKIPPED_HEADERS = {"content-length", "x-page-cache"}

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        if not (_cacheable_request(request) and _plain_visitor(request)):
            return self.get_response(request)
        scopes = self._scopes(request)
        if scopes is None:
            return self.get_response(request)
        key = _page_key(request) + ":plain"
        page, _ = _current(key, scopes, PlainPage)
        if page is not None:
            self.csrf.process_request(request)  # a returning visitor's CSRF cookie is kept
            response = HttpResponse(get_token(request).encode().join(page.segments))
            for name, value in page.headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return self.csrf.process_response(request, response)
        response = self.get_response(request)
        copy = getattr(request, _PLAIN_COPY, None)
        if copy is not None and response.status_code == 200:
            tokens, segments = copy
            headers = tuple(
                (name, value)
                for name, value in response.items()
                if name.lower() not in self._SKIPPED_HEADERS
            )
            _store(key, PlainPage(tokens, segments, headers))
        return response

    @staticmethod
    def _scopes(request) -> list[str] | None:
        """The scopes of the cached page this URL shows, or None if it shows none."""
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        found = _cached_page_view(request.path_info, urlconf)
        if found is None:
            return None
        page_scopes, kwargs = found
        return [SITE, *page_scopes(**kwargs)]


@lru_cache(maxsize=4096)
def _cached_page_view(path: str, urlconf: str):
    """(scopes, view kwargs) of the cached page at `path`, or None. Memoised: a creator's
    URL is matched against every pattern before it (≈ 0.1 ms), and URLconfs don't change
    while a process runs."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    page_scopes = getattr(match.func, "page_cache_scopes", None)
    return None if page_scopes is None else (page_scopes, match.kwargs)


def cached_page(
    scopes: Callable[..., list[str]],
    *,
    owner: Callable[[object, dict], bool] | None = None,
    plain_visitors_only: bool = False,
) -> Callable:
    """Serve a public GET view from the page cache.

    `scopes(**view_kwargs)` names what the page depends on (besides SITE). With
    `owner(request, view_kwargs)` true, the page's owner always gets it fresh, since
    owners see controls nobody else does. `plain_visitors_only` is for pages that are
    the same only for visitors without a session (an empty cart).

    Two entries per URL: the shared copy (holes as `Hole`s), kept here, and, once a
    plain visitor has come by, the plain visitors' copy (holes filled), kept and
    replayed by `PlainVisitorPageMiddleware`. A hit is one cache round trip: the entry
    and the scope tokens come in one get_many, and an entry built under older tokens
    counts as a miss — so it cannot outlive a change, whatever the timing of the request
    that stored it.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if (
                not _cacheable_request(request)
                or (plain_visitors_only and not _plain_visitor(request))
                or (owner is not None and owner(request, kwargs))
            ):
                return view(request, *args, **kwargs)
            key = _page_key(request)
            entry, tokens = _current(key, [SITE, *scopes(**kwargs)], PageEntry)
            if entry is not None:
                response = HttpResponse(content_type=entry.content_type)
                response["X-Page-Cache"] = "hit"
            else:
                with _rendering_for_cache(request) as render:
                    response = view(request, *args, **kwargs)
                    if hasattr(response, "render") and not response.is_rendered:
                        response.render()  # a TemplateResponse renders here, not later
                    if response.streaming:
                        return response
                    parts = render.split(response.content.decode())
                if response.status_code != 200:
                    response.content = _fill(request, parts)  # a 404, a redirect: not kept
                    return response
                entry = PageEntry(tokens, response["Content-Type"], parts)
                if tokens is not None:
                    _store(key, entry)
                response["X-Page-Cache"] = "miss"
            if _plain_visitor(request):
                # Their copy, holes filled, is kept by PlainVisitorPageMiddleware with
                # the response's final headers, and replayed from there next time.
                segments = _plain_segments(request, entry.parts)
                if tokens is not None:
                    setattr(request, _PLAIN_COPY, (tokens, segments))
                response.content = get_token(request).encode().join(segments)
            else:
                response.content = _fill(request, entry.parts)
            return response

        wrapper.page_cache_scopes = scopes
        return wrapper

    return decorator


# --- Fragments -------------------------------------------------------------------------


class FragmentEntry(NamedTuple):
    tokens: str
    parts: Parts


def shared_fragment(request, *, name: str, scopes: list[str], render: Callable[[], str]) -> str:
    """A part of a page rendered once and replayed, like pages: for a hole whose content
    is the same for many viewers (the creator page's latest posts, by whether the viewer
    follows). `name` must spell out all that varies it; its CSRF tokens are holes, and
    touching any of `scopes` makes it stale at once."""
    return shared_fragments(request, [(name, scopes, render)])[0]


def shared_fragments(request, items: list[tuple[str, list[str], Callable[[], str]]]) -> list[str]:
    """Many fragments (name, scopes, render) in one cache round trip: a list's cards."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return [render() for _, _, render in items]
    release = _templates_release()
    keys = [
        "pagecache:fragment:" + hashlib.sha256(f"{release}\n{name}".encode()).hexdigest()
        for name, *_ in items
    ]
    scopes = list(dict.fromkeys(scope for _, item_scopes, _ in items for scope in item_scopes))
    found = _get_many([*keys, *map(_version_key, [SITE, *scopes])])
    token = {scope: _tokens([scope], found) for scope in [SITE, *scopes]}
    inside_cached_page = rendering_for_cache(request)
    results, fresh = [], {}
    for key, (_, item_scopes, render) in zip(keys, items, strict=True):
        item_tokens = [token[scope] for scope in [SITE, *item_scopes]]
        tokens = None if None in item_tokens else ".".join(item_tokens)
        entry = found.get(key)
        if tokens is None or not isinstance(entry, FragmentEntry) or entry.tokens != tokens:
            with _rendering_for_cache(request) as rendering:
                entry = FragmentEntry(tokens, rendering.split(render()))
            if tokens is not None:
                fresh[key] = entry
        results.append(
            _emit(request, entry.parts) if inside_cached_page else _fill(request, entry.parts)
        )
    if fresh:
        _set_many(fresh, settings.PAGE_CACHE_SECONDS)
    return results
