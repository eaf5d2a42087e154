"""`{% url %}` remembers its answers per process, and answers exactly as Django's does."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from creators.templatetags import remembered_url


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_tag_is_the_remembering_one_in_every_template():
    remembered_url._reverse.cache_clear()
    assert _render("{% url 'shops:cart' %}") == reverse("shops:cart")
    assert _render("{% url 'shops:cart' %}") == reverse("shops:cart")
    info = remembered_url._reverse.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_arguments_names_and_as_var_behave_as_in_django():
    handle = "mara_clay"
    assert _render("{% url 'shops:product' handle 'bowl' %}", handle=handle) == reverse(
        "shops:product", args=[handle, "bowl"]
    )
    assert (
        _render("{% url 'creators:detail' handle=h as link %}<a href='{{ link }}'>", h=handle)
        == f"<a href='{reverse('creators:detail', kwargs={'handle': handle})}'>"
    )
    assert _render("{% url 'no:such' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no:such' %}")


def test_a_different_script_prefix_is_a_different_answer():
    plain = _render("{% url 'shops:cart' %}")
    set_script_prefix("/mounted/")
    try:
        assert _render("{% url 'shops:cart' %}") == "/mounted" + plain
    finally:
        clear_script_prefix()
        set_script_prefix("/")
    assert _render("{% url 'shops:cart' %}") == plain


def test_arguments_that_are_not_plain_values_are_reversed_each_time():
    class Slug:
        def __str__(self):
            return "bowl"

    remembered_url._reverse.cache_clear()
    assert _render("{% url 'shops:product' 'ana' slug %}", slug=Slug()).endswith("/p/bowl/")
    assert remembered_url._reverse.cache_info().currsize == 0
