from html.parser import HTMLParser

import pytest

from core.rich_text import ALLOWED_TAGS, markdown_to_html


def _elements(html: str) -> list[tuple[str, dict]]:
    """The tags and attributes a browser would build from `html` (text is not markup)."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(html)
    return found


def test_markdown_formats():
    html = markdown_to_html("# Glazes\n\n**Speckled** and *matte*:\n\n- mugs\n- bowls")
    assert "<h2>Glazes</h2>" in html
    assert "<strong>Speckled</strong>" in html
    assert "<li>mugs</li>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://x.example" onclick="steal()">x</a>',
        "<iframe src='https://evil.example'></iframe>",
    ],
)
def test_raw_html_and_scripts_never_survive(source):
    for tag, attrs in _elements(markdown_to_html(source)):
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") for name in attrs)
        assert not attrs.get("href", "").lower().startswith("javascript")


def test_links_are_marked_user_generated():
    html = markdown_to_html("[my site](https://ana.example)")
    assert 'href="https://ana.example"' in html
    assert 'rel="nofollow ugc noopener"' in html


def test_images_are_not_embedded():
    assert "<img" not in markdown_to_html("![pixel](https://tracker.example/p.gif)")
