"""How the composition root finds each domain's edges, so adding a domain never edits this app.

For every app in settings.OMNICANAL_APPS, when the module exists:
  <app>.api.router                  -> mounted under /api/v1/
  <app>.views.urlpatterns           -> mounted under /console/<label>/ (URL namespace <label>)
  <app>.webhooks.urlpatterns        -> mounted at the site root (full paths: "webhooks/sms", "shop/")
  <app>.urls.urlpatterns            -> mounted at the site root after everything else (the shop's pages)
  <app>.consumers.websocket_urlpatterns -> the ASGI WebSocket router
  AppConfig.console_nav             -> [core.console.NavItem(...)] entries in the console's navigation
"""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from django.conf import settings

from omnicanal.core.console import NavItem


def _optional_module(name: str):
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def domain_modules(suffix: str):
    for app_name in settings.OMNICANAL_APPS:
        module = _optional_module(f"{app_name}.{suffix}")
        if module is not None:
            yield app_name.rsplit(".", 1)[-1], module


def api_routers():
    for label, module in domain_modules("api"):
        router = getattr(module, "router", None)
        if router is not None:
            yield label, router


def console_urlpatterns():
    for label, module in domain_modules("views"):
        patterns = getattr(module, "urlpatterns", None)
        if patterns:
            yield label, patterns


def public_urlpatterns() -> list:
    """Routes outside the console and the API: provider webhooks, the shop and chat widget shells."""
    patterns: list = []
    for suffix in ("webhooks", "urls"):
        for _label, module in domain_modules(suffix):
            patterns.extend(getattr(module, "urlpatterns", []))
    return patterns


def websocket_urlpatterns() -> list:
    patterns: list = []
    for _label, module in domain_modules("consumers"):
        patterns.extend(getattr(module, "websocket_urlpatterns", []))
    return patterns


def app_config(app_name: str):
    """By module name: a label may differ from it (omnicanal.channels is 'channel_adapters', since
    Django Channels owns the label 'channels')."""
    return next(config for config in apps.get_app_configs() if config.name == app_name)


def console_nav() -> list[NavItem]:
    items: list[NavItem] = []
    for app_name in settings.OMNICANAL_APPS:
        items.extend(getattr(app_config(app_name), "console_nav", []))
    return sorted(items, key=lambda item: item.order)
