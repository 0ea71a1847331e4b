"""The main consumer's tasks wait while the other processes hold the cores (core.busy): the share is
computed from /proc's clock ticks with the worker's own left out, a task waits while it is above the
threshold and never longer than the bound, and the worker installs the gate on the main queue only."""

import os
import sys

import pytest
from huey import MemoryHuey

from omnicanal.core import busy


def test_the_others_share_leaves_idle_and_the_process_own_ticks_out():
    # 200 ticks over two cores: 20 idle, 60 this process's own -> the others kept 120 busy
    assert busy.others_busy((1000, 5000, 300), (1020, 5200, 360)) == pytest.approx(0.6)


def test_a_machine_left_idle_reads_as_not_busy_and_the_share_stays_within_bounds():
    assert busy.others_busy((1000, 5000, 0), (1200, 5200, 0)) == 0.0
    assert busy.others_busy((0, 0, 0), (0, 0, 0)) == 0.0  # no tick between two samples
    assert busy.others_busy((0, 0, 10), (0, 100, 0)) == 1.0  # a restarted counter cannot exceed 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_ticks_come_from_proc_and_count_this_process_own_cpu():
    first = busy.read_ticks()
    sum(i * i for i in range(300_000))  # some CPU of our own
    second = busy.read_ticks()
    assert first is not None and second is not None
    assert second[1] >= first[1] and second[0] >= first[0]
    assert second[2] >= first[2] and second[2] > 0


def test_the_watch_keeps_the_share_of_the_last_interval():
    samples = iter([(0, 0, 0), (10, 100, 0), (100, 200, 0)])
    watch = busy.CoreWatch(ticks=lambda: next(samples))
    last = watch.sample(None)
    assert watch.share == 0.0
    last = watch.sample(last)
    assert watch.share == pytest.approx(0.9)
    watch.sample(last)
    assert watch.share == pytest.approx(0.1)


def test_a_watch_that_cannot_read_proc_is_not_available():
    assert busy.CoreWatch(ticks=lambda: None).available() is False


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_task_waits_while_the_cores_are_busy_and_goes_once_they_are_not():
    watch, clock = busy.CoreWatch(ticks=lambda: None), _Clock()
    watch.share = 0.95

    def sleep(seconds):
        clock.sleep(seconds)
        if clock.now >= 0.3:
            watch.share = 0.4  # the burst is over

    waited = busy.wait_for_spare_cores(watch, 0.8, 5.0, poll=0.02, clock=clock, sleep=sleep)
    assert waited == pytest.approx(0.3, abs=0.021)


def test_a_task_never_waits_longer_than_the_bound_nor_at_all_on_spare_cores():
    watch, clock = busy.CoreWatch(ticks=lambda: None), _Clock()
    watch.share = 1.0
    assert busy.wait_for_spare_cores(watch, 0.8, 2.0, clock=clock, sleep=clock.sleep) == pytest.approx(2.0, abs=0.021)
    watch.share = 0.5
    assert busy.wait_for_spare_cores(watch, 0.8, 2.0, clock=clock, sleep=clock.sleep) == 0.0


@pytest.mark.skipif(busy.read_ticks() is None, reason="reads /proc")
def test_the_gate_runs_before_each_task_of_the_queue_it_is_installed_on(monkeypatch):
    calls = []
    monkeypatch.setattr(busy.CoreWatch, "start", lambda self: self)
    monkeypatch.setattr(busy, "wait_for_spare_cores",
                        lambda watch, threshold, most, **kw: calls.append(("gate", threshold, most)) or 0.0)
    queue, other = MemoryHuey("gated", immediate=True), MemoryHuey("lane", immediate=True)

    @queue.task()
    def react(n):
        calls.append(("react", n))
        return n

    @other.task()
    def store(n):
        calls.append(("store", n))
        return n

    assert busy.install(queue, 3000, 0.7) is not None
    react(1)
    store(2)
    assert calls == [("gate", 0.7, 3.0), ("react", 1), ("store", 2)]


def test_the_gate_is_off_at_zero_and_where_proc_cannot_be_read(monkeypatch):
    queue = MemoryHuey("off", immediate=True)
    assert busy.install(queue, 0, 0.8) is None
    monkeypatch.setattr(busy, "read_ticks", lambda: None)
    assert busy.install(queue, 5000, 0.8) is None
    assert queue._pre_execute == {}


@pytest.mark.skipif(busy.read_ticks() is None, reason="reads /proc")
def test_the_worker_gates_the_main_queue_with_its_settings(settings, monkeypatch):
    from huey.contrib.djhuey import HUEY

    from omnicanal.core.management.commands import worker

    seen = {}
    monkeypatch.setattr(busy, "install", lambda huey, most_ms, threshold: seen.update(
        huey=huey, most_ms=most_ms, threshold=threshold))
    settings.OMNICANAL = {**settings.OMNICANAL, "OUTBOX_REACTIONS_YIELD_MS": 4000, "OUTBOX_REACTIONS_YIELD_BUSY": 0.75}
    worker._yield_to_busy_cores()
    assert seen == {"huey": HUEY, "most_ms": 4000, "threshold": 0.75}


def test_the_gate_is_off_under_tests_by_default():
    """The suites' workers share the cores with the suite itself: they would always wait."""
    from django.conf import settings

    if "OUTBOX_REACTIONS_YIELD_MS" not in os.environ:
        assert settings.OMNICANAL["OUTBOX_REACTIONS_YIELD_MS"] == 0
