from django.conf import settings
from django.urls import NoReverseMatch, reverse

from omnicanal.web.discovery import console_nav


def console(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/console"):
        return {"business_name": settings.OMNICANAL["BUSINESS_NAME"]}
    nav = []
    for item in console_nav():
        if item.roles and user.role not in item.roles and user.role != "admin":
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        nav.append({"url": url, "label": item.label, "active": False})
    # Only the most specific entry that prefixes the path is active (/customers/ vs /customers/dups/).
    matching = [entry for entry in nav if request.path.startswith(entry["url"])]
    if matching:
        max(matching, key=lambda entry: len(entry["url"]))["active"] = True
    return {"business_name": settings.OMNICANAL["BUSINESS_NAME"], "console_nav": nav}
