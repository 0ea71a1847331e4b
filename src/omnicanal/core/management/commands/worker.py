import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Run the background worker (huey consumer: outbox relay, timers, periodic jobs) and its "
            "priority lane (core.priority: inbound messages stored first) in a child process.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--relay-every", type=float, default=float(os.environ.get("OUTBOX_RELAY_SECONDS", "0")),
            help="also relay due outbox events every this many seconds (OUTBOX_RELAY_SECONDS; 0: only the "
                 "periodic task's once a minute). Events a killed process left behind are handled sooner.",
        )
        parser.add_argument("--priority-only", action="store_true",
                            help="run only the priority lane's consumer (the worker starts one itself)")
        parser.add_argument("--no-priority", action="store_true",
                            help="do not start the priority lane (another process runs it: `worker --priority-only`)")
        parser.add_argument("--watch-parent", action="store_true", help=argparse.SUPPRESS)  # the worker's own child

    def handle(self, *args, relay_every, priority_only, no_priority, watch_parent, **options):
        if priority_only:
            _run_priority_lane(os.getppid() if watch_parent else None)
            return
        lane = None
        if settings.OMNICANAL.get("OUTBOX_PRIORITY_LANE"):  # off: the store step is the main queue's
            lane = None if no_priority else _start_priority_lane()
            from omnicanal.core import priority

            # The reactions give the cores to the lane, the web processes and the database under a burst.
            priority.lower_cpu_priority(int(settings.OMNICANAL.get("OUTBOX_REACTIONS_NICE", 0)))
        _yield_to_busy_cores()
        if relay_every > 0:
            threading.Thread(target=_relay_loop, args=(relay_every,), name="outbox-relay", daemon=True).start()
        try:
            call_command("run_huey")
        finally:
            if lane is not None and lane.poll() is None:
                lane.terminate()
                try:
                    lane.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    lane.kill()


def _yield_to_busy_cores() -> None:
    """The main consumer's tasks wait while the web processes and the database hold the cores
    (core.busy); the priority lane, a process of its own, is not gated."""
    from huey.contrib.djhuey import HUEY

    from omnicanal.core import busy

    busy.install(HUEY, int(settings.OMNICANAL.get("OUTBOX_REACTIONS_YIELD_MS", 0)),
                 float(settings.OMNICANAL.get("OUTBOX_REACTIONS_YIELD_BUSY", 0.8)))


def _start_priority_lane() -> subprocess.Popen:
    """The lane in a process of its own: the main consumer's threads share one GIL, which a CPU-bound
    reaction holds for 5 ms slices; the lane's every statement would wait for one."""
    return subprocess.Popen(  # noqa: S603 (our own command)
        [sys.executable, "-m", "omnicanal.cli", "worker", "--priority-only", "--watch-parent"], env=os.environ.copy())


def _run_priority_lane(parent: int | None) -> None:
    """Until SIGTERM/SIGINT, or the worker that started it (`parent`) is gone."""
    from omnicanal.core import priority

    stop = threading.Event()
    for name in ("SIGTERM", "SIGINT"):
        signal.signal(getattr(signal, name), lambda *_: stop.set())
    log.info("priority lane: consuming %s", priority.QUEUE.name)
    try:
        priority.consume(stop, parent=parent)
    finally:
        connections.close_all()


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
