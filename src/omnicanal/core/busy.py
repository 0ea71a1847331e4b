"""The reactions give the cores to the requests while a burst lasts (issue 23).

On one host the web processes, PostgreSQL and the worker share the cores. In a flash sale the
worker's reactions to the orders placed (timeline, analytics, marketing, feedback, integrations:
about 3 ms of CPU per order with their statements) took a third of the machine from the buyers still
waiting: with the worker stopped for the sale, orders placed/s rose from 39-40 % to 52 % of the bare
ceiling. A nice value did not give that back (OUTBOX_REACTIONS_NICE 19 changed nothing measurable):
the reactions' PostgreSQL backend is not niced, and a niced thread still runs in every gap the
requests leave while they wait on the hot row's COMMIT, then keeps the caches and the database busy.

So before each of its tasks the main consumer looks at the cores: while the other processes kept
them busier than OUTBOX_REACTIONS_YIELD_BUSY (a share of every core, measured over the last 100 ms
from /proc/stat, the worker's own CPU left out) it waits, up to OUTBOX_REACTIONS_YIELD_MS, then runs
anyway: a machine that is always busy delays the reactions by that much, never starves them. The
wake-ups coalesce meanwhile, so the task that runs drains everything written during the wait, in
bigger batches. The worker's own share is left out, or its second thread would wait for its first.

Not gated: the priority lane (`core.priority`: an agent waits on the push), the web processes, the
outbox relay's own thread. Off (0) under tests and wherever /proc/stat cannot be read.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Sample = tuple[int, int, int]  # (idle, total, this process's own) in clock ticks since boot


def read_ticks() -> Sample | None:
    """Clock ticks since boot, every core together: idle (idle + iowait), total, and this process's
    own (user + system, every thread). None where /proc cannot be read (not Linux)."""
    try:
        with open("/proc/stat", "rb") as stat:
            cpu = [int(v) for v in stat.readline().split()[1:9]]
        with open("/proc/self/stat", "rb") as mine:
            # The command name (field 2) may hold spaces: the fields after its ')' are fixed.
            after_name = mine.read().rsplit(b")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    own = int(after_name[11]) + int(after_name[12])  # utime, stime: fields 14 and 15
    return cpu[3] + cpu[4], sum(cpu), own


def others_busy(before: Sample, after: Sample) -> float:
    """The share of the cores (0..1) the other processes kept busy between two samples."""
    total = after[1] - before[1]
    if total <= 0:
        return 0.0
    busy = total - (after[0] - before[0]) - (after[2] - before[2])
    return min(1.0, max(0.0, busy / total))


class CoreWatch:
    """The other processes' share of the cores over the last `every` seconds, sampled by a daemon
    thread (a task asks without waiting for a sample)."""

    def __init__(self, every: float = 0.1, ticks: Callable[[], Sample | None] | None = None) -> None:
        self.every = every
        self._ticks = ticks or read_ticks
        self.share = 0.0
        self._stop = threading.Event()

    def available(self) -> bool:
        return self._ticks() is not None

    def sample(self, before: Sample | None) -> Sample | None:
        """Update `share` since `before` and return the new sample (the thread's one step)."""
        now = self._ticks()
        if before is not None and now is not None:
            self.share = others_busy(before, now)
        return now

    def start(self) -> CoreWatch:
        threading.Thread(target=self._run, name="core-watch", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        last = self._ticks()
        while not self._stop.wait(self.every):
            last = self.sample(last)


def wait_for_spare_cores(watch: CoreWatch, busy: float, most: float, *, poll: float = 0.02,
                         clock: Callable[[], float] = time.monotonic,
                         sleep: Callable[[float], None] = time.sleep) -> float:
    """Wait while the other processes keep the cores busier than `busy`, at most `most` seconds.
    Returns the seconds waited."""
    start = clock()
    while watch.share > busy and clock() - start < most:
        sleep(poll)
    return clock() - start


def install(huey, most_ms: int, busy: float) -> CoreWatch | None:
    """Gate every task of `huey`'s consumer in this process (a pre-execute hook). None when off."""
    if most_ms <= 0:
        return None
    watch = CoreWatch()
    if not watch.available():
        log.info("worker: /proc/stat cannot be read here; the reactions do not wait for spare cores")
        return None
    watch.start()
    most = most_ms / 1000

    @huey.pre_execute(name="omnicanal.yield_to_busy_cores")
    def yield_to_busy_cores(task) -> None:
        seconds = wait_for_spare_cores(watch, busy, most)
        if seconds >= 0.05:
            log.debug("worker %s: %s waited %.2f s for spare cores", os.getpid(), task.name, seconds)

    return watch
