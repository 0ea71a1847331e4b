from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.analytics import roles
from omnicanal.core.console import NavItem


class AnalyticsConfig(AppConfig):
    """Cross-channel KPIs, rollups and journeys (docs/analytics.md). Read-only towards every other
    domain: it reads their queries.py and keeps its rollups from their events (handlers.py)."""

    name = "omnicanal.analytics"
    label = "analytics"
    verbose_name = _("Analytics")
    console_nav = [
        NavItem("analytics:home", _("Dashboard"), roles=roles.KPIS, order=1, group="analytics"),
    ]

    def ready(self) -> None:
        # The customer 360's journey panel (customers.registry): customers never imports analytics.
        from omnicanal.analytics import hooks  # noqa: F401
