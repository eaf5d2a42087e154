"""Templates follow the import direction: a lower app's template names nothing of a higher app.

The order is the import-linter `layers` contract in pyproject.toml (core < creators <
shops < reviews < relcommerce); the site's own templates (base.html, partials/, allauth/,
404/500…) are the wiring layer, on top with relcommerce. A template of an app must not

- name a URL of a higher app: `{% url 'shops:cart' %}`, also `… as cart_url`;
- load a tag library of a higher app (each app's `templatetags/` modules, found on disk),
  nor be given one as a builtin;
- name a template of a higher app's folder: `{% include "shops/…" %}`, `{% extends %}`,
  `{% hole %}` or any other tag's argument.

A lower page shows what a higher app adds through a slot or a link group (core/slots.py).
tests/test_import_contracts.py proves the Python side, `lint-imports`, catches its breaches.
"""

from __future__ import annotations

import ast
import pkgutil
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.urls import URLResolver, get_resolver

from core import slots

ROOT = Path(__file__).resolve().parent.parent
HOW_TO_FIX = (
    "a lower app's template names nothing of a higher app: fill a slot or a link group from "
    "the higher app instead (core/slots.py, docs/architecture.md)"
)


def app_layers() -> list[str]:
    """The apps, lowest first, as the import-linter layers contract orders them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")
    return list(reversed(layers["layers"]))


@dataclass(frozen=True)
class Rules:
    rank: dict[str, int]  # app -> its layer, 0 the lowest
    libraries: dict[str, str]  # tag library name -> app
    urls: dict[str, str]  # URL name, namespaced as templates write it -> app
    builtins: dict[str, str]  # builtin tag library module -> app

    @property
    def top(self) -> str:
        return max(self.rank, key=self.rank.get)

    def owner(self, dotted: str) -> str | None:
        """The app a module belongs to, or None for Django and third-party code."""
        package = dotted.split(".")[0]
        return package if package in self.rank else None

    def order(self) -> str:
        return " < ".join(sorted(self.rank, key=self.rank.get))


def project_rules() -> Rules:
    layers = app_layers()
    rank = {app: i for i, app in enumerate(layers)}
    libraries = {}
    for app in layers:
        for module in pkgutil.iter_modules([str(ROOT / app / "templatetags")]):
            libraries[module.name] = app
    options = [engine.get("OPTIONS", {}) for engine in settings.TEMPLATES]
    for name, module in [pair for o in options for pair in o.get("libraries", {}).items()]:
        libraries[name] = module.split(".")[0]
    rules = Rules(rank=rank, libraries=libraries, urls={}, builtins={})
    for module in [module for o in options for module in o.get("builtins", [])]:
        rules.builtins[module] = rules.owner(module)
    _collect_urls(get_resolver().url_patterns, "", None, rules)
    return rules


def _collect_urls(patterns, namespace: str, namespace_app: str | None, rules: Rules) -> None:
    """Each URL name's app: the app of the URLconf that declared its namespace, or, for a
    name without one (e.g. `catalog`, mounted by relcommerce.urls), the app of its view."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner_namespace, inner_app = namespace, namespace_app
            if pattern.namespace:
                inner_namespace = f"{namespace}{pattern.namespace}:"
                module = getattr(pattern.urlconf_module, "__name__", "")
                inner_app = rules.owner(module)
            _collect_urls(pattern.url_patterns, inner_namespace, inner_app, rules)
        elif pattern.name:
            app = namespace_app if namespace else rules.owner(pattern.lookup_str)
            if app is not None:
                rules.urls.setdefault(namespace + pattern.name, app)


# --- Which app a template belongs to --------------------------------------------------


def template_files(template_dirs: list[Path], app_dirs: dict[str, Path], rules: Rules):
    """(path, owning app) of every template: in the project's template dirs the first
    folder names the app (`templates/shops/…`) and anything else is the site's (on top);
    in an app's own `templates/` dir, every template is the app's."""
    for directory in template_dirs:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                parts = path.relative_to(directory).parts
                yield path, parts[0] if len(parts) > 1 and parts[0] in rules.rank else rules.top
    for app, directory in app_dirs.items():
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                yield path, app


def project_template_files(rules: Rules):
    template_dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    app_dirs = {app: ROOT / app / "templates" for app in rules.rank}
    app_dirs = {app: d for app, d in app_dirs.items() if d.is_dir()}
    return template_files(template_dirs, app_dirs, rules)


# --- The rules ------------------------------------------------------------------------

_QUOTED = re.compile(r"""^(?:\w+=)?(["'])(.*)\1$""")


def _literal(bit: str) -> str | None:
    """The value of a quoted argument (`"shops/x.html"`, `name='shops/x.html'`)."""
    match = _QUOTED.match(bit)
    return match.group(2) if match else None


def check_template(name: str, source: str, owner: str, rules: Rules) -> list[str]:
    """Every wrong-way use in one template, as "file:line: what, and the rule"."""
    found = []
    mine = rules.rank[owner]

    def above(app: str | None) -> bool:
        return app is not None and rules.rank[app] > mine

    def report(lineno: int, what: str, app: str) -> None:
        found.append(
            f"{name}:{lineno}: this {owner} template {what}, of {app}, an app above "
            f"{owner} ({rules.order()}) — {HOW_TO_FIX}"
        )

    for module, app in rules.builtins.items():
        if above(app):
            report(1, f"is given the tag library {module} as a builtin (settings.TEMPLATES)", app)

    skipping_until = None  # inside {% comment %} or {% verbatim %}, nothing is a tag
    for token in Lexer(source).tokenize():
        if token.token_type != TokenType.BLOCK:
            continue
        bits = token.split_contents()
        if skipping_until:
            if bits[0] == skipping_until:
                skipping_until = None
            continue
        if bits[0] in ("comment", "verbatim"):
            skipping_until = "end" + bits[0]
            continue
        if bits[0] == "load":
            libraries = bits[-1:] if "from" in bits[1:] else bits[1:]
            for library in libraries:
                if above(rules.libraries.get(library)):
                    report(
                        token.lineno, f"loads the tag library {library!r}", rules.libraries[library]
                    )
            continue
        if bits[0] == "url" and len(bits) > 1:
            url_name = _literal(bits[1])
            if url_name is not None and above(rules.urls.get(url_name)):
                report(token.lineno, f"names the URL {url_name!r}", rules.urls[url_name])
        for bit in bits[1:]:
            value = _literal(bit)
            folder = value.split("/")[0] if value and "/" in value else None
            if above(folder if folder in rules.rank else None):
                report(token.lineno, f"names the template {value!r} ({bits[0]})", folder)
    return found


# --- The contract ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules() -> Rules:
    return project_rules()


def test_templates_name_nothing_of_a_higher_app(rules):
    checked, found = 0, []
    for path, owner in project_template_files(rules):
        name = str(path.relative_to(ROOT))
        found += check_template(name, path.read_text(), owner, rules)
        checked += 1
    assert checked > 100, "found too few templates: is TEMPLATES['DIRS'] read right?"
    assert not found, "templates name a higher app:\n" + "\n".join(found)


def _url_names_in_python(path: Path) -> list[tuple[int, str]]:
    """String constants in a module that look like a namespaced URL name ("shops:open")."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"[a-z_]+:[a-z_]+", node.value):
                found.append((node.lineno, node.value))
    return found


def test_python_code_names_no_url_of_a_higher_app(rules):
    """`redirect("shops:open")` in creators is the same wrong-way dependency as a
    template's `{% url 'shops:open' %}` (import-linter sees only imports)."""
    found = []
    for app, rank in rules.rank.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, name in _url_names_in_python(path):
                owner = rules.urls.get(name)
                if owner is not None and rules.rank[owner] > rank:
                    where = path.relative_to(ROOT)
                    found.append(f"{where}:{line}: names the URL {name!r}, of {owner}")
    assert not found, "Python code names a higher app's URL:\n" + "\n".join(found)


def test_the_rules_know_every_app_library_and_namespace(rules):
    # What the checks rely on, found rather than listed: a rename must not silence them.
    assert rules.order() == "core < creators < shops < reviews < relcommerce"
    assert rules.libraries["shop_tags"] == "shops"
    assert rules.libraries["review_tags"] == "reviews"
    assert rules.libraries["social_tags"] == "creators"
    assert rules.libraries["slots"] == "core"
    assert rules.urls["shops:cart"] == "shops"
    assert rules.urls["reviews:studio"] == "reviews"
    assert rules.urls["creators:studio"] == "creators"
    assert rules.urls["catalog"] == "shops"  # no namespace: the app of its view
    assert rules.urls["home"] == "relcommerce"


WRONG_WAY = """\
{% load shop_tags %}
{% load money from shop_tags %}
{% url 'shops:cart' as cart_url %}
{% url "reviews:studio" %}
{% include "shops/partials/rating.html" with average=1 %}
{% extends "reviews/base.html" %}
{% hole "reviews/partials/review_section.html" product_id=1 %}
{% anything template="shops/x.html" %}
{% load social_tags slots %}{% url 'creators:studio' %}{% include "creators/partials/a.html" %}
{% comment %}{% load review_tags %}{% url 'shops:cart' %}{% endcomment %}
{# {% load review_tags %} #}
"""


def test_the_check_catches_each_wrong_way_use(rules):
    found = check_template("templates/creators/x.html", WRONG_WAY, "creators", rules)

    assert [line.split(": ", 1)[0] for line in found] == [
        f"templates/creators/x.html:{n}" for n in range(1, 9)
    ]
    assert "loads the tag library 'shop_tags', of shops" in found[0]
    assert "loads the tag library 'shop_tags'" in found[1]
    assert "names the URL 'shops:cart', of shops" in found[2]
    assert "names the URL 'reviews:studio', of reviews" in found[3]
    assert "names the template 'shops/partials/rating.html' (include)" in found[4]
    assert "names the template 'reviews/base.html' (extends)" in found[5]
    assert "names the template 'reviews/partials/review_section.html' (hole)" in found[6]
    assert "names the template 'shops/x.html' (anything)" in found[7]
    assert "core/slots.py" in found[0]


def test_the_same_uses_are_fine_from_above(rules):
    assert check_template("templates/reviews/x.html", WRONG_WAY, "reviews", rules) == []
    assert check_template("templates/base.html", WRONG_WAY, "relcommerce", rules) == []
    core_uses = check_template("templates/core/x.html", WRONG_WAY, "core", rules)
    assert any("'creators:studio', of creators" in line for line in core_uses)


def test_templates_belong_to_their_folder_or_app(tmp_path, rules):
    for relative in [
        "templates/base.html",
        "templates/partials/nav.html",
        "templates/creators/a.html",
        "templates/shops/partials/b.html",
        "shops/templates/shops/c.html",
        "core/templates/widgets/d.html",
    ]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("")
    found = template_files(
        [tmp_path / "templates"],
        {"shops": tmp_path / "shops/templates", "core": tmp_path / "core/templates"},
        rules,
    )
    owners = {str(path.relative_to(tmp_path)): owner for path, owner in found}

    assert owners == {
        "templates/base.html": "relcommerce",
        "templates/partials/nav.html": "relcommerce",
        "templates/creators/a.html": "creators",
        "templates/shops/partials/b.html": "shops",
        "shops/templates/shops/c.html": "shops",
        "core/templates/widgets/d.html": "core",
    }


# --- Slots and link groups name real places -------------------------------------------

_SLOT_USE = re.compile(r"""\{%\s*slot\s+["']([\w.]+)["']""")
_LINKS_USE = re.compile(r"""\{%\s*links\s+["']([\w.]+)["']""")


def test_every_slot_and_link_group_is_both_named_and_filled(rules):
    used_slots, used_groups = set(), set()
    for path, _owner in project_template_files(rules):
        source = path.read_text()
        used_slots.update(_SLOT_USE.findall(source))
        used_groups.update(_LINKS_USE.findall(source))

    assert used_slots == slots.registered_slots(), (
        "a template names a slot no app fills, or an app fills a slot no template names"
    )
    assert used_groups == slots.registered_link_groups()
    for group in used_groups:
        for link in slots.links(group):
            assert rules.urls.get(link.url_name), f"{group}: no URL is named {link.url_name!r}"
