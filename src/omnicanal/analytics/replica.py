"""Analytics' reads on a read replica: `ANALYTICS_DATABASE_URL` adds the database alias `analytics`
(web/settings.py, with ANALYTICS_READ_REPLICA on) and, inside `reads()`, every ORM read goes there (the KPI report, the
drill-downs, the journey: they read the other domains' facts through their queries, so routing by
model would not do). Writes always go to `default` (the router never routes one), and so do reads
outside `reads()`. Without the alias everything stays on `default`. The replica is never migrated
(it follows the primary)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections

ALIAS = "analytics"
_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("analytics_reading", default=False)
F = TypeVar("F", bound=Callable[..., Any])


def configured() -> bool:
    return settings.ANALYTICS_READ_REPLICA and ALIAS in connections.settings


@contextlib.contextmanager
def reads() -> Iterator[str]:
    """Route this block's reads to the replica (when one is configured); yields the alias used."""
    token = _reading.set(True)
    try:
        yield ALIAS if configured() else "default"
    finally:
        _reading.reset(token)


def on_replica(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with reads():
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


class ReadRouter:
    """settings.DATABASE_ROUTERS: reads inside reads() to the replica, nothing else."""

    def db_for_read(self, model, **hints) -> str | None:
        return ALIAS if _reading.get() and configured() else None

    def db_for_write(self, model, **hints) -> str | None:
        return None  # the primary: a replica refuses writes

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        return True if {obj1._state.db, obj2._state.db} <= {"default", ALIAS} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == ALIAS else None
