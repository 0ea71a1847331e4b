"""`{% load rights %}{% if user|may:"inventory.STOCK_WRITE" %}`: may this user do it?

The right is "<app label>.<NAME>", a tuple in that domain's roles.py, the same one its API passes
to require_role and its views to staff_required; core.auth.role_allows decides (admins always
may). An unknown app or name is an error, never a silent "no". It lives in web, the composition
root, because it finds each domain's roles.py by convention (as discovery finds its api.py).
"""

from __future__ import annotations

import importlib

from django import template
from django.apps import apps

from omnicanal.core.auth import role_allows

register = template.Library()


def right(name: str) -> tuple[str, ...]:
    """The roles tuple a "<app label>.<NAME>" right names."""
    label, _, attr = name.partition(".")
    module = importlib.import_module(f"{apps.get_app_config(label).name}.roles")
    return getattr(module, attr)


@register.filter
def may(user, name: str) -> bool:
    return role_allows(user, right(name))
