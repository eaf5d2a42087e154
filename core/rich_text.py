"""User-written text with safe formatting: Markdown in, sanitised HTML out.

Raw HTML in the source is never passed through (markdown-it escapes it), and the result
goes through nh3's allow-list as well, so a parser bug alone cannot let markup in. Links
get rel="nofollow ugc noopener" and only http(s)/mailto schemes survive.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.disable(["image"])  # user text shows no remote images (tracking pixels)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def markdown_to_html(text: str) -> str:
    html = _markdown.render(text or "")
    # Headings in user text rank below the page's own <h1>.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
