"""Analytics fills the customer 360's registry (imported by AnalyticsConfig.ready()): the customer's
journey drawn as a path of touchpoints, channel switches marked. customers never imports analytics."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.analytics import queries, roles
from omnicanal.core import labels
from omnicanal.core.auth import role_allows
from omnicanal.core.console import principal
from omnicanal.core.errors import NotFound
from omnicanal.customers import registry as customers_registry

KIND_LABELS = {"message": pgettext_lazy("journey", "Wrote to us"), "cart": pgettext_lazy("journey", "Started a cart"),
               "order": pgettext_lazy("journey", "Ordered"), "pickup": pgettext_lazy("journey", "Picked up"),
               "shipped": pgettext_lazy("journey", "Shipped"), "delivered": pgettext_lazy("journey", "Delivered"),
               "ready": pgettext_lazy("journey", "Ready for pickup"),
               "arrived": pgettext_lazy("journey", "Arrived at the curb"),
               "return": pgettext_lazy("journey", "Returned"), "review": pgettext_lazy("journey", "Reviewed")}
SHOWN_STEPS = 40  # the latest ones; the API answers every step


def _href(kind: str, ref: str) -> str:
    if kind == "order":
        return reverse("orders:detail", args=[ref])
    if kind == "message":
        return reverse("conversations:conversation", args=[ref])
    return ""


def render_panel(request, customer_id: str) -> str:
    if not role_allows(principal(request), roles.JOURNEY):
        return ""
    try:
        found = queries.journey(customer_id)
    except NotFound:
        return ""
    steps = [{"step": s, "label": KIND_LABELS.get(s.kind, s.kind), "href": _href(s.kind, s.ref),
              "channel": labels.label(CHANNEL_WORDS, s.channel)} for s in found.steps[-SHOWN_STEPS:]]
    return render_to_string("analytics/_journey.html", {
        "steps": steps, "switches": found.channel_switches, "total": len(found.steps),
        "channels": sorted({str(labels.label(CHANNEL_WORDS, s.channel)) for s in found.steps})}, request=request)


# A touchpoint's channel: a sales channel, a messaging one, or a physical one (kpis.STORE, kpis.MAIL).
CHANNEL_WORDS = "catalog.channel,conversations.channel,analytics.journey_channel"

customers_registry.register_panel(name="journey", label=_("Journey across channels"), render=render_panel,
                                  order=15)
