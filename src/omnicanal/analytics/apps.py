from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Cross-channel KPIs, rollups and journeys (docs/analytics.md). Read-only towards every other
    domain: it reads their queries.py and keeps its rollups from their events (handlers.py)."""

    name = "omnicanal.analytics"
    label = "analytics"
    verbose_name = _("Analytics")
