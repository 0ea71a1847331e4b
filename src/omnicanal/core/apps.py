from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "omnicanal.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from omnicanal.core import audit, labels, metrics, outbox, priority, tasks, tracing

        audit.install_sqlite_guard()
        lane = settings.OMNICANAL.get("OUTBOX_PRIORITY_LANE", False)
        outbox.to_worker(tasks.dispatch_in_worker, priority=priority.enqueue if lane else None)
        outbox.autodiscover_handlers()
        labels.autodiscover()  # each domain's wording.py registers its vocabularies
        metrics.autodiscover()  # each domain's metrics.py declares its figures
        tracing.setup()  # nothing unless TRACING_ENABLED
