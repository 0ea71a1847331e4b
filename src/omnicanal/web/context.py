from django.conf import settings
from django.urls import NoReverseMatch, reverse

from omnicanal.core.auth import role_allows
from omnicanal.web.discovery import console_nav


def _visible_items(user):
    for item in console_nav():
        if item.roles and not role_allows(user, item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        yield {"url": url, "label": item.label, "group": item.group or item.url_name, "active": False}


def console(request):
    """The console's navigation: one top-bar entry per group, and the active group's pages as tabs."""
    base = {"business_name": settings.OMNICANAL["BUSINESS_NAME"]}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/console"):
        return base
    items = list(_visible_items(user))
    # Only the most specific entry that prefixes the path is active (/customers/ vs /customers/dups/).
    matching = [entry for entry in items if request.path.startswith(entry["url"])]
    active = max(matching, key=lambda entry: len(entry["url"])) if matching else None
    if active:
        active["active"] = True
    top, seen = [], set()
    for entry in items:
        if entry["group"] in seen:
            continue
        seen.add(entry["group"])
        top.append({**entry, "active": active is not None and entry["group"] == active["group"]})
    tabs = [entry for entry in items if active is not None and entry["group"] == active["group"]]
    return {**base, "console_nav": top, "console_tabs": tabs if len(tabs) > 1 else []}
