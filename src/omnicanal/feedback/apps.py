from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import NavItem
from omnicanal.feedback import roles


class FeedbackConfig(AppConfig):
    name = "omnicanal.feedback"
    label = "feedback"
    verbose_name = _("Voice of the customer")
    console_nav = [
        NavItem("feedback:reviews", _("Reviews"), roles=roles.MODERATE, order=70, group="feedback"),
        NavItem("feedback:stream", _("Feedback stream"), roles=roles.READ, order=71, group="feedback"),
        NavItem("feedback:suggestions", _("Suggestions"), roles=roles.READ, order=72, group="feedback"),
        NavItem("feedback:surveys", _("Surveys"), roles=roles.READ, order=73, group="feedback"),
    ]

    def ready(self) -> None:
        # Fill the lower domains' registries (the shop's ratings and review panel, the Store API's
        # review route, the inbox's CSAT gate): they never import feedback.
        from omnicanal.feedback import hooks  # noqa: F401
