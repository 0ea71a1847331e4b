"""`{% shop_menu_tree menu %}`: the categories menu's tree (storefront/browse/_tree.html), rendered
once per process and language while the tree is the same object.

catalog.queries.shop_categories hands out a memoized tuple (core/memo.py) and a new one after any
category changes, so "the same object" is exactly "nothing changed": the HTML is never older than the
tree. The tree was re-rendered on every browse page (a recursive {% include %} per branch and a
{% url %} per category, bench_shop --profile).
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_rendered: dict[str, tuple[object, SafeString]] = {}  # language -> (the tree it was rendered from, its HTML)


@register.simple_tag
def shop_menu_tree(menu) -> SafeString:
    language = translation.get_language() or ""
    held = _rendered.get(language)
    if held is not None and held[0] is menu:
        return held[1]
    html = mark_safe(render_to_string("storefront/browse/_tree.html", {"nodes": menu}))  # noqa: S308  # our template's output
    if isinstance(menu, tuple):  # the memoized tree (never a list built for one page)
        _rendered[language] = (menu, html)
    return html
