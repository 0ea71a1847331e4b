"""Per-process memos of a domain's small, rarely changed reads (the shop's category tree, a channel's
pickup stores, the web chat inbox), kept correct across processes by a version in Django's cache.

    TREE = memo.Memo("catalog.categories")
    TREE.get(("es",), lambda: build_tree("es"))   # read once per process and version
    TREE.forget()                                   # the owning domain, when a row it memoizes changes

Why: every shop page read these again (one round trip each, 2-9 ms on a loaded machine, bench_shop)
though they change a few times a day. What is memoized never leaves the process (values may hold an
inbox's identity secret); Django's cache holds only a version token per memo.

Invalidation (docs/storefront.md, "Speed"): the owning domain connects `forget` to its models'
post_save/post_delete in its AppConfig.ready, so every ORM write of those rows, whoever makes it,
bumps the version twice: at once (this process's own transaction sees its change) and again after
commit (another process that re-read the old rows in between stores them under the first token,
which the second makes stale). With a shared cache (Redis, REDIS_URL: how several processes are
deployed) every process sees the change on its next read. Without one (each process's own memory)
other processes see it within MAX_AGE seconds, the backstop that also bounds writes no signal sees
(QuerySet.update, bulk_create, raw SQL). The cache unreachable: no memo, every read goes to the
database.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

log = logging.getLogger(__name__)

MAX_AGE = 60.0  # seconds: the most a process without a shared cache can lag behind a change
_NO_CACHE = object()
_memos: list[Memo] = []
T = TypeVar("T")


class Memo:
    def __init__(self, name: str, *, max_age: float = MAX_AGE, max_entries: int | None = None) -> None:
        self.name = name
        self.max_age = max_age
        self.max_entries = max_entries  # keys from shoppers' input (a search) must not grow a process
        self._key = f"memo:{name}:version"
        self._values: dict[Hashable, tuple[Any, float, Any]] = {}  # key -> (version, expires, value)
        _memos.append(self)

    def _version(self) -> Any:
        try:
            return cache.get(self._key)  # None until the first change: a version like any other
        except Exception:  # noqa: BLE001  # a cache down costs speed, never correctness
            log.warning("memo %s: cache unreachable, reading the database", self.name, exc_info=True)
            return _NO_CACHE

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        version = self._version()
        if version is _NO_CACHE:
            return compute()
        now = time.monotonic()
        held = self._values.get(key)
        if held is not None and held[0] == version and held[1] > now:
            if self.max_entries is not None:  # the least recently read goes first
                self._values[key] = self._values.pop(key)
            return held[2]
        value = compute()
        self._values.pop(key, None)  # re-inserted last: the oldest entries go first
        self._values[key] = (version, now + self.max_age, value)
        if self.max_entries is not None and len(self._values) > self.max_entries:
            del self._values[next(iter(self._values))]
        return value

    def _bump(self) -> None:
        self._values.clear()
        try:
            cache.set(self._key, uuid.uuid4().hex, timeout=None)
        except Exception:  # noqa: BLE001
            log.warning("memo %s: cache unreachable, version not bumped", self.name, exc_info=True)

    def forget(self, *_args: Any, using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
        """A row this memo reads changed (a signal receiver: any arguments)."""
        self._bump()
        if connections[using].in_atomic_block:  # else already committed: the bump above was after it
            transaction.on_commit(self._bump, using=using)


def forget_all() -> None:
    """Every memo of this process (tests: a rolled back or flushed database sends no signal)."""
    for memo in _memos:
        memo._values.clear()
