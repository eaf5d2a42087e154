"""Whole-page cache for the public pages (home, catalog, creator and product pages).

A page is rendered once and replayed to everyone who is not its owner, signed in or not.
What differs per person is punched out of the cached HTML and filled on every request:

- the CSRF token: the cached page holds a sentinel, replaced by the visitor's own token
  (so every visitor still gets their own CSRF cookie);
- "holes": small partials that depend on who is looking (the header navigation with the
  cart badge, flash messages, the footer's account links), marked with `{% hole %}` in the
  templates and rendered for the request at replay time.

Invalidation is by version, never by deleting keys: a page's key includes the current
version token of every scope it depends on (the whole site, the catalog, one creator).
A write that changes what a page shows calls `touch(...)`, which replaces those tokens
when its transaction commits, so the next request computes a new key and renders afresh.
A request that read the old token before the commit may still store its page, but under
the old key, which nobody reads again — so a page is never stale once the change has
committed. Entries also expire after `PAGE_CACHE_SECONDS` (0 turns the cache off).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CsrfViewMiddleware
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

logger = logging.getLogger(__name__)

SITE = "site"  # shared by every cached page: tags, site-wide settings
CATALOG = "catalog"  # any product or creator anywhere: home and /shop/

# Where a cached page holds the CSRF token; the context processor below puts it there.
CSRF_SENTINEL = "__relcommerce_csrf_token__"
# Partials that may be punched out of a cached page. Markers come only from our own
# templates (user text is escaped or sanitised, comments stripped), and replay renders
# nothing outside this set; apps add theirs with `register_hole` in AppConfig.ready().
HOLES = {
    "partials/site_nav.html",
    "partials/messages.html",
    "partials/footer_account.html",
}
_HOLE_MARKER = "<!--relcommerce-hole:{}-->"
_HOLE_RE = re.compile(r"<!--relcommerce-hole:([\w./-]+)(?:\?([\w.%=&+~-]*))?-->")
_RENDERING_FOR_CACHE = "_page_cache_render"
_PLAIN_COPY = "_page_cache_plain_copy"  # set by cached_page, stored by the middleware


# --- Versions --------------------------------------------------------------------------


def _version_key(scope: str) -> str:
    return f"pagecache:v:{scope}"


def _tokens(scopes: list[str], found: dict) -> str:
    """The current tokens of `scopes` (from `found`, a get_many that asked for them);
    a scope never seen (or evicted) gets one."""
    tokens = []
    for scope in scopes:
        key = _version_key(scope)
        token = found.get(key)
        if token is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            token = cache.get(key)
        tokens.append(token or "")
    return ".".join(tokens)


class VersionBump:
    """The on-commit callback of `touch`: one per transaction, collecting its scopes."""

    def __init__(self):
        self.scopes: dict[str, None] = {}  # ordered set

    def __call__(self) -> None:
        cache.set_many({_version_key(s): uuid.uuid4().hex for s in self.scopes}, timeout=None)


def touch(*scopes: str) -> None:
    """Invalidate every cached page of `scopes` once the current transaction commits.

    Outside a transaction it happens at once. A cache outage here is logged, not raised:
    the write has committed and entries still expire after PAGE_CACHE_SECONDS.
    """
    if not scopes:
        return
    connection = transaction.get_connection()
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, VersionBump):
            # Joining a callback registered earlier in this transaction: if the part of
            # it that calls us rolls back, the bump is merely unneeded, never missing.
            callback.scopes.update(dict.fromkeys(scopes))
            return
    bump = VersionBump()
    bump.scopes.update(dict.fromkeys(scopes))
    transaction.on_commit(bump, robust=True)


# --- Rendering and replay --------------------------------------------------------------


def rendering_for_cache(request) -> bool:
    return getattr(request, _RENDERING_FOR_CACHE, False)


def register_hole(template_name: str) -> None:
    HOLES.add(template_name)


def hole_marker(template_name: str, args: dict | None = None) -> str:
    """The placeholder for a hole; `args` (small ints or strings, e.g. an id) become the
    partial's context when it is rendered for a request."""
    return _HOLE_MARKER.format(template_name + (f"?{urlencode(args)}" if args else ""))


def fill(request, html: str) -> str:
    """Make a cached page this request's own: its holes, then its CSRF token."""
    return _fill_csrf(request, _fill_holes(request, html))


def _fill_holes(request, html: str) -> str:
    def render_hole(match: re.Match) -> str:
        name, args = match.group(1), dict(parse_qsl(match.group(2) or ""))
        return render_to_string(name, args, request=request) if name in HOLES else ""

    return _HOLE_RE.sub(render_hole, html)


def _fill_csrf(request, html: str) -> str:
    return html.replace(CSRF_SENTINEL, csrf_token(request)) if CSRF_SENTINEL in html else html


def csrf_token(request) -> str:
    """`django.middleware.csrf.get_token`, with the randomness drawn in one call.

    A replayed page costs little else, but get_token draws each of its 64 random
    characters with its own `os.urandom` call (≈ 0.25 ms here, more than the rest of the
    replay). Same contract: a new secret for the CSRF cookie when the visitor has none
    (CsrfViewMiddleware then sets it), and a freshly masked token — mask + (secret + mask)
    over CSRF_ALLOWED_CHARS, Django's scheme, which CsrfViewMiddleware verifies.
    """
    secret = request.META.get("CSRF_COOKIE") or _random_chars(CSRF_SECRET_LENGTH)
    request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_chars(CSRF_SECRET_LENGTH)
    chars, index, n = CSRF_ALLOWED_CHARS, _CHAR_INDEX, len(CSRF_ALLOWED_CHARS)
    return mask + "".join(
        chars[(index[s] + index[m]) % n] for s, m in zip(secret, mask, strict=True)
    )


_CHAR_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}


_UNBIASED_BELOW = 256 - 256 % len(CSRF_ALLOWED_CHARS)  # 248: bytes at or above are skipped


def _random_chars(length: int) -> str:
    picked: list[str] = []
    while len(picked) < length:
        picked += [
            CSRF_ALLOWED_CHARS[b % len(CSRF_ALLOWED_CHARS)]
            for b in secrets.token_bytes(length + 8)
            if b < _UNBIASED_BELOW
        ]
    return "".join(picked[:length])


def _plain_visitor(request) -> bool:
    """No session and no flash messages: every hole renders the same for such visitors
    of one URL (signed out, empty cart), so their copy is kept with holes filled."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def _visitor_copy(request, html: str) -> str:
    setattr(request, _RENDERING_FOR_CACHE, True)  # a token in a hole stays a sentinel
    try:
        return _fill_holes(request, html)
    finally:
        setattr(request, _RENDERING_FOR_CACHE, False)


def _cacheable_request(request) -> bool:
    return request.method == "GET" and settings.PAGE_CACHE_SECONDS > 0


def _page_key(request) -> str:
    raw = f"{_templates_release()}\n{request.get_host()}\n{request.get_full_path()}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


@lru_cache(maxsize=1)
def _templates_release() -> str:
    """A hash of the project's templates, part of every page and fragment key.

    A cached page holds hole markers for the templates that rendered it; after a deploy
    (or while old and new processes run side by side) a page must only be replayed by
    the templates that made it, so each release of the templates has its own entries.
    """
    digest = hashlib.sha256()
    for engine in settings.TEMPLATES:
        for directory in map(Path, engine.get("DIRS", [])):
            for path in sorted(directory.rglob("*.html")):
                digest.update(str(path.relative_to(directory)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class PageEntry(NamedTuple):
    tokens: str  # the scope tokens it was rendered under: valid while they are current
    content_type: str
    body: bytes  # UTF-8; the shared copy has the CSRF sentinel and hole markers


def _store(key: str, entry: PageEntry) -> None:
    cache.set(key, entry, settings.PAGE_CACHE_SECONDS)


class LocalCopies:
    """This process's copies of cached pages, the least recently used dropped past
    `PAGE_CACHE_LOCAL_BYTES`. A copy is used only while the scope tokens it was rendered
    under are current, exactly like the entry in the shared cache, so holding it never
    makes a page stale; it saves bringing the page from Redis on every hit (and, with
    the tokens tracked in memory by core/cache.py, a hit asks Redis nothing)."""

    def __init__(self):
        self._entries: OrderedDict[str, PageEntry | PlainPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry) -> None:
        limit = settings.PAGE_CACHE_LOCAL_BYTES
        if len(entry.body) > limit:
            return
        with self._lock:
            self._discard(key)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._bytes > limit:
                self._discard(next(iter(self._entries)))

    def discard(self, key: str) -> None:
        with self._lock:
            self._discard(key)

    def _discard(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)


def _current(key: str, scopes: list[str], copies: LocalCopies):
    """(the entry at `key` if it was stored under the current tokens, else None; those
    tokens). One cache round trip, none for the entry when this process holds it."""
    versions = [_version_key(scope) for scope in scopes]
    local = copies.get(key)
    if local is not None:
        tokens = _tokens(scopes, cache.get_many(versions))
        if local.tokens == tokens:
            return local, tokens
        copies.discard(key)
    found = cache.get_many([key, *versions])
    tokens = _tokens(scopes, found)
    entry = found.get(key)
    if entry is None or entry.tokens != tokens:
        return None, tokens
    copies.put(key, entry)
    return entry, tokens


_SHARED_COPIES = LocalCopies()  # PageEntry: holes as markers, for `cached_page`
_PLAIN_COPIES = LocalCopies()  # PlainPage: plain visitors' copies, for the middleware


class PlainPage(NamedTuple):
    tokens: str
    body: bytes  # holes filled; the CSRF sentinel stays
    headers: tuple[tuple[str, str], ...]  # as the whole middleware stack left them


class PlainVisitorPageMiddleware:
    """Replay cached pages to plain visitors before the rest of the middleware runs.

    Plain visitors (no session, no flash messages: first visits, crawlers, links shared
    elsewhere) are most of a storefront's traffic, and their copy of a page is the same
    for all of them. So it is kept whole, with the headers the inner middleware gave it
    (X-Frame-Options, Vary…), and a hit skips sessions, authentication, messages and the
    view: what Django's cache middleware does, with `cached_page`'s scope tokens so that
    a change still makes the copy stale at once. Only the CSRF token and its cookie are
    made per request, as CsrfViewMiddleware would. Sits after SecurityMiddleware and
    WhiteNoise, so their headers and static files are untouched.
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
        key = _page_key(request) + ":plain-page"  # a PlainPage (older: PageEntry)
        page, tokens = _current(key, scopes, _PLAIN_COPIES)
        if isinstance(page, PlainPage):
            self.csrf.process_request(request)  # a returning visitor's CSRF cookie is kept
            response = HttpResponse(_fill_csrf_bytes(request, page.body))
            for name, value in page.headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return self.csrf.process_response(request, response)
        response = self.get_response(request)
        entry = getattr(request, _PLAIN_COPY, None)
        if entry is not None and entry.tokens == tokens and response.status_code == 200:
            headers = tuple(
                (name, value)
                for name, value in response.items()
                if name.lower() not in self._SKIPPED_HEADERS
            )
            page = PlainPage(tokens, entry.body, headers)
            _store(key, page)
            _PLAIN_COPIES.put(key, page)
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
    owners see controls nobody else does. `plain_visitors_only` is for pages
    that are the same only for visitors without a session (an empty cart).

    Two entries per URL: the shared copy (holes as markers), kept here, and, once a plain
    visitor has come by, the plain visitors' copy (holes filled), kept and replayed by
    `PlainVisitorPageMiddleware`. A hit is one cache round trip: the entry and the scope
    tokens come in one get_many, and an entry built under older tokens counts as a miss —
    so it cannot outlive a change, whatever the timing of the request that stored it.
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
            page_scopes = [SITE, *scopes(**kwargs)]
            key = _page_key(request)
            entry, tokens = _current(key, page_scopes, _SHARED_COPIES)
            if entry is not None:
                response = HttpResponse(content_type=entry.content_type)
                response["X-Page-Cache"] = "hit"
            else:
                response, entry = _render_shared(view, request, args, kwargs, tokens)
                if entry is None:
                    return response  # not a cacheable answer (e.g. 404, redirect)
                _store(key, entry)
                _SHARED_COPIES.put(key, entry)
                response["X-Page-Cache"] = "miss"
            if _plain_visitor(request):
                # Their copy, holes filled, is kept by PlainVisitorPageMiddleware with
                # the response's final headers, and replayed from there next time.
                entry = entry._replace(body=_visitor_copy(request, entry.body.decode()).encode())
                setattr(request, _PLAIN_COPY, entry)
                response.content = _fill_csrf_bytes(request, entry.body)
            else:
                response.content = fill(request, entry.body.decode())
            return response

        wrapper.page_cache_scopes = scopes
        return wrapper

    return decorator


def _render_shared(view, request, args, kwargs, tokens: str):
    setattr(request, _RENDERING_FOR_CACHE, True)
    try:
        response = view(request, *args, **kwargs)
    finally:
        setattr(request, _RENDERING_FOR_CACHE, False)
    if response.status_code != 200 or response.streaming:
        return response, None
    return response, PageEntry(tokens, response["Content-Type"], response.content)


_CSRF_SENTINEL_BYTES = CSRF_SENTINEL.encode()


def _fill_csrf_bytes(request, body: bytes) -> bytes:
    if _CSRF_SENTINEL_BYTES not in body:
        return body
    return body.replace(_CSRF_SENTINEL_BYTES, csrf_token(request).encode())


class FragmentEntry(NamedTuple):
    tokens: str
    html: str  # with the CSRF sentinel


def shared_fragment(request, *, name: str, scopes: list[str], render: Callable[[], str]) -> str:
    """A part of a page rendered once and replayed, like pages: for a hole whose content
    is the same for many viewers (the creator page's latest posts, by whether the viewer
    follows). `name` must spell out all that varies it; the CSRF token is swapped in per
    request, and touching any of `scopes` makes it stale at once."""
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
    found = cache.get_many([*keys, *map(_version_key, [SITE, *scopes])])
    token = {scope: _tokens([scope], found) for scope in [SITE, *scopes]}
    outer = rendering_for_cache(request)
    results, fresh = [], {}
    for key, (_, item_scopes, render) in zip(keys, items, strict=True):
        tokens = ".".join(token[scope] for scope in [SITE, *item_scopes])
        entry = found.get(key)
        if entry is None or entry.tokens != tokens:
            setattr(request, _RENDERING_FOR_CACHE, True)
            try:
                entry = fresh[key] = FragmentEntry(tokens, render())
            finally:
                setattr(request, _RENDERING_FOR_CACHE, outer)
        results.append(entry.html if outer else _fill_csrf(request, entry.html))
    if fresh:
        cache.set_many(fresh, settings.PAGE_CACHE_SECONDS)
    return results
