from core import pagecache


def page_cache(request):
    """While a page renders for the shared cache, its CSRF token is a sentinel that
    `core.pagecache.fill` replaces with each visitor's own."""
    if pagecache.rendering_for_cache(request):
        return {"csrf_token": pagecache.CSRF_SENTINEL}
    return {}
