"""core.slots: the places a lower app's template leaves for higher apps to fill."""

import pytest
from django.template import Context, Engine

from core import slots


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch):
    monkeypatch.setattr(slots, "_SLOTS", {})
    monkeypatch.setattr(slots, "_LINKS", {})


def engine(templates: dict[str, str]) -> Engine:
    return Engine(
        loaders=[("django.template.loaders.locmem.Loader", templates)],
        libraries={"slots": "core.templatetags.slots"},
    )


PAGE = '{% load slots %}<main>{% slot "page.extra" item=item %}</main>'


def render(templates: dict[str, str], **context) -> str:
    return (
        engine({"page.html": PAGE, **templates}).get_template("page.html").render(Context(context))
    )


def test_a_slot_renders_its_partials_in_order_with_its_arguments_and_the_page_context():
    slots.register("page.extra", "late.html", order=20)
    slots.register("page.extra", "early.html", order=10)
    slots.register("page.extra", "also_early.html", order=10)  # ties: registration order

    html = render(
        {
            "late.html": "<p>late {{ item }}</p>\n",
            "early.html": "<p>early {{ item }} for {{ who }}</p>\n",
            "also_early.html": "<p>also {{ item }}</p>\n",
        },
        item="<mug>",
        who="Ana",
    )

    # Escaped as in the partial; each partial's final newline dropped.
    assert html == (
        "<main><p>early &lt;mug&gt; for Ana</p><p>also &lt;mug&gt;</p>"
        "<p>late &lt;mug&gt;</p></main>"
    )


def test_a_slot_nobody_filled_renders_nothing():
    assert render({}, item="mug") == "<main></main>"


def test_registering_again_replaces_the_entry():
    slots.register("page.extra", "a.html", order=10)
    slots.register("page.extra", "b.html", order=20)
    slots.register("page.extra", "a.html", order=30)

    assert slots.templates("page.extra") == ["b.html", "a.html"]


def test_the_slot_arguments_do_not_leak_past_the_slot():
    slots.register("page.extra", "a.html")
    page = '{% load slots %}{% slot "page.extra" item="in" %}[{{ item }}]'
    html = engine({"page.html": page, "a.html": "{{ item }}"}).get_template("page.html")

    assert html.render(Context({"item": "out"})) == "in[out]"


def test_a_link_group_lists_its_links_in_order():
    slots.link_register("studio", url_name="b:orders", title="Orders", order=50)
    slots.link_register("studio", url_name="a:followers", title="Followers", order=40)
    slots.link_register("studio", url_name="b:orders", title="Your orders", order=50)
    page = (
        '{% load slots %}{% links "studio" as found %}'
        "{% for link in found %}{{ link.url_name }}={{ link.title }};{% endfor %}"
        '{% links "nobody" as none %}{{ none|length }}'
    )

    html = engine({"page.html": page}).get_template("page.html").render(Context())

    assert html == "a:followers=Followers;b:orders=Your orders;0"
