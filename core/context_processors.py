from core import pagecache


def page_cache(request):
    """While a page renders for the shared cache, its CSRF token is a hole
    (core.pagecache): each visitor's own token is put there when the page is served."""
    if pagecache.rendering_for_cache(request):
        return {"csrf_token": pagecache.csrf_marker(request)}
    return {}
