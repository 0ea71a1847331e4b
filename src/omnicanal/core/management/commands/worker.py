import logging
import os
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the background worker (huey consumer: outbox relay, timers, periodic jobs)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--relay-every", type=float, default=float(os.environ.get("OUTBOX_RELAY_SECONDS", "0")),
            help="also relay due outbox events every this many seconds (OUTBOX_RELAY_SECONDS; 0: only the "
                 "periodic task's once a minute). Events a killed process left behind are handled sooner.",
        )

    def handle(self, *args, relay_every, **options):
        if relay_every > 0:
            threading.Thread(target=_relay_loop, args=(relay_every,), name="outbox-relay", daemon=True).start()
        call_command("run_huey")


def _relay_loop(every: float) -> None:
    from omnicanal.core import outbox

    while True:
        time.sleep(every)
        close_old_connections()
        try:
            outbox.dispatch_due()
        except Exception:  # the next pass (or the periodic task) tries again
            log.exception("outbox relay pass failed")
        finally:
            connections.close_all()
