from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """Channel adapters. The label is not "channels": Django Channels (the WebSocket library) has it.

    The console entry for inboxes is declared by conversations (discovery looks a config up by the
    module name, which finds Django Channels' config here); URLs still live under /console/channels/.
    """

    name = "omnicanal.channels"
    label = "channel_adapters"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from omnicanal.channels import services, tasks

        services.fetch_with(tasks.fetch_attachment)
