"""The analytics domain's words for its codes (core/labels.py)."""

from django.utils.translation import pgettext_lazy

from omnicanal.core import labels

# The unit of a KPI (analytics/kpis.py), as the dashboard's indicators table names it.
labels.register("analytics.unit", {
    "count": pgettext_lazy("unit", "count"),
    "money": pgettext_lazy("unit", "money"),
    "fraction": pgettext_lazy("unit", "share"),
    "minutes": pgettext_lazy("unit", "minutes"),
    "breakdown": pgettext_lazy("unit", "breakdown"),
    "text": pgettext_lazy("unit", "text"),
})

# A breakdown's key when the owning domain had none to give (kpis.UNSPECIFIED): a cancellation
# without a cause, a return line without a reason. Read after the owner's vocabulary
# ("orders.cancel_cause,analytics.breakdown").
labels.register("analytics.breakdown", {
    "unspecified": pgettext_lazy("cause", "Not given"),
})

# The physical touchpoints of a journey (kpis.STORE, kpis.MAIL): a pickup or a return in a store, by mail.
labels.register("analytics.journey_channel", {
    "store": pgettext_lazy("journey", "in store"),
    "mail": pgettext_lazy("journey", "by mail"),
    "delivery": pgettext_lazy("journey", "delivery"),
})
