"""Wake-ups of the worker for batch topics, coalesced per process (core.outbox: the main queue's
and the priority lane's, each a `Wakes` of its own), and the hand-over of events whose background
handlers the worker runs, coalesced the same way (`Handoffs`)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

log = logging.getLogger("omnicanal.core.outbox")


class Wakes:
    """Wake-ups of the worker for batch topics, coalesced per process: at most one huey task per
    topic per `window` seconds instead of one per event (a Redis round trip after every hot-SKU
    reservation's commit, and a task that drains the same topic again). The first event of a quiet
    topic wakes the worker at once; events committed within the window after it are covered by ONE
    trailing wake-up at the window's end (sent by one thread per process), which the worker's drain
    therefore runs after all of them committed: every committed event is drained by a task enqueued
    after its commit. If the process dies with a trailing wake-up pending, the relay (dispatch_due)
    takes the events. The window is OMNICANAL[setting] ms; window = 0 (huey's immediate mode, the
    tests): every event wakes the worker at once, as before."""

    def __init__(self, entry: Callable[[str, int], object], setting: str = "OUTBOX_BATCH_WAKE_MS",
                 default_ms: int = 100) -> None:
        self.entry = entry  # hands (topic, newest event id) to the worker (a huey task's enqueue)
        self.setting, self.default_ms = setting, default_ms
        self.cond = threading.Condition()
        self.sent: dict[str, float] = {}  # topic -> monotonic time of its last wake-up
        self.pending: dict[str, Any] = {}  # topic -> newest event id waiting for the trailing wake-up
        self.window: float | None = None
        self.thread_pid = 0  # the process whose flusher thread runs (a forked child starts its own)

    def _window(self) -> float:
        if self.window is None:
            immediate = bool(getattr(settings, "HUEY", {}).get("immediate"))
            self.window = 0.0 if immediate else int(settings.OMNICANAL.get(self.setting, self.default_ms)) / 1000
        return self.window

    def wake(self, topic: str, event_id: int) -> None:
        window = self._window()
        if window <= 0:
            self.entry(topic, event_id)
            return
        now = time.monotonic()
        with self.cond:
            if topic in self.pending:  # a trailing wake-up is due: it covers this event too
                self._keep(topic, event_id)
                return
            if now - self.sent.get(topic, -window) < window:
                self._keep(topic, event_id)
                if self.thread_pid != os.getpid():
                    self.thread_pid = os.getpid()
                    threading.Thread(target=self._flusher, name="outbox-wakes", daemon=True).start()
                self.cond.notify()
                return
            self.sent[topic] = now
        self.entry(topic, event_id)

    def _keep(self, topic: str, event_id: int) -> None:
        """Note the event for the topic's trailing wake-up (it names the newest: a drain takes all)."""
        self.pending[topic] = event_id

    def _due(self) -> tuple[list[tuple[str, int]], float | None]:
        """(topic, event id) of the trailing wake-ups due now, and the seconds until the next one."""
        now, due, wait = time.monotonic(), [], None
        for topic in list(self.pending):
            left = self.sent.get(topic, 0.0) + (self.window or 0.0) - now
            if left <= 0:
                due.append((topic, self.pending.pop(topic)))
                self.sent[topic] = now
            else:
                wait = left if wait is None else min(wait, left)
        return due, wait

    def _flusher(self) -> None:
        while True:
            with self.cond:
                due, wait = self._due()
                if not due:
                    self.cond.wait(wait)
                    continue
            for topic, event_id in due:
                try:
                    self.entry(topic, event_id)
                except Exception:  # the relay takes the events
                    log.exception("outbox: waking the worker for %s failed; the relay will take its events", topic)


class Handoffs(Wakes):
    """Events whose handlers all run in the worker (an order's OrderPlaced: its reactions are
    background ones), handed to it coalesced per process: the first event after a quiet window in a
    task of its own at once, as before; the events committed within the window after it together in
    ONE trailing task at the window's end (`hand([ids])`, oldest first). Each task was a huey enqueue,
    a Redis round trip, in the request that committed, and then a task for the worker to take: per
    placed order, a flash sale's busiest step after the reservation (issue 23). Every event is handed
    over after its commit; the worker runs each one's handlers as `dispatch_in_worker` does. A
    process that dies with a hand-over pending leaves its events to the relay (dispatch_due), as
    `Wakes` does. Window 0 (the tests, huey immediate): each event handed over at once, alone."""

    KEY = "events"  # one trailing hand-over for every topic: the worker dispatches each by its id

    def __init__(self, hand: Callable[[list[int]], object], setting: str = "OUTBOX_BATCH_WAKE_MS",
                 default_ms: int = 100) -> None:
        super().__init__(lambda key, ids: hand(ids if isinstance(ids, list) else [ids]), setting, default_ms)

    def hand_over(self, event_id: int) -> None:
        self.wake(self.KEY, event_id)

    def _keep(self, topic: str, event_id: int) -> None:
        self.pending.setdefault(topic, []).append(event_id)
