"""Slots and links: how a lower app's template shows what a higher app adds to its page.

Templates follow the import direction (core < creators < shops < reviews, the site's own
templates on top; docs/architecture.md): a creators template names no `shops:` URL, loads
no shops tag library and includes no `shops/` template. Where a page of a lower app shows
something of a higher one, its template names a place instead, and the higher app fills
that place from its AppConfig.ready():

- a **slot** is a place in a template where the partials registered for it render, in
  order, with the slot's arguments (like `{% include … with … %}`):

      {% load slots %}{% slot "creator_page.products" profile=profile is_owner=is_owner %}

      slots.register("creator_page.products", "shops/partials/creator_page_shop.html")

- a **link group** is an ordered list of links to higher apps' pages (URL name, title,
  text), which the template lays out itself:

      {% links "studio" as studio_links %}
      {% for link in studio_links %}<a href="{% url link.url_name %}">{{ link.title }}</a>…

      slots.link_register("studio", url_name="shops:studio_orders", title="Orders",
                          text="See what fans bought…", order=60)

A slot or group nobody filled renders nothing, so a lower app's pages work without the
apps above it. Registering is idempotent (the same template or URL name again replaces
its entry). tests/test_import_direction.py checks that every slot a template names is
registered, and that every registered slot is named by a template.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlotPart:
    template: str
    order: int


@dataclass(frozen=True)
class Link:
    url_name: str  # reversed without arguments
    title: str
    text: str = ""  # what the group's template shows under or beside the title
    order: int = 0


_SLOTS: dict[str, list[SlotPart]] = {}
_LINKS: dict[str, list[Link]] = {}


def register(slot: str, template: str, *, order: int = 0) -> None:
    """Render `template` in `slot`: lower `order` first, then in registration order."""
    parts = [part for part in _SLOTS.get(slot, []) if part.template != template]
    parts.append(SlotPart(template, order))
    _SLOTS[slot] = sorted(parts, key=lambda part: part.order)  # stable: ties keep their order


def templates(slot: str) -> list[str]:
    return [part.template for part in _SLOTS.get(slot, [])]


def link_register(group: str, *, url_name: str, title: str, text: str = "", order: int = 0) -> None:
    """Add a link to `group`: lower `order` first, then in registration order."""
    links = [link for link in _LINKS.get(group, []) if link.url_name != url_name]
    links.append(Link(url_name=url_name, title=title, text=text, order=order))
    _LINKS[group] = sorted(links, key=lambda link: link.order)


def links(group: str) -> list[Link]:
    return list(_LINKS.get(group, []))


def registered_slots() -> set[str]:
    return set(_SLOTS)


def registered_link_groups() -> set[str]:
    return set(_LINKS)
