"""Django's Redis cache with one client per process (settings.CACHES when REDIS_URL is set).

Django's RedisCacheClient builds a new `redis.Redis` on every operation (`get_client`), and a
redis.Redis fills its table of ~170 response callbacks when built: about 700 Python calls per cache
read, a quarter of an inbound webhook's request (issue 23, bench/bench_inbound_cpu.py). And Django
keeps a cache backend per context: under ASGI each request builds its own backend, its own
connection pool and so a new connection to Redis. Here the pool and the client on it are made once
per process and server and shared by every backend instance and thread (redis-py's client and pool
are thread-safe, and a pool used after a fork starts over with the child's own connections).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_lock = threading.Lock()
_shared: dict[tuple[str, str], tuple[Any, Any]] = {}  # (server, options) -> (pool, client)


class SharedClient(RedisCacheClient):
    def _shared(self, write: bool) -> tuple[Any, Any]:
        this: Any = self  # django-stubs does not declare RedisCacheClient's attributes
        server = this._servers[this._get_connection_pool_index(write)]
        key = (server, repr(sorted(this._pool_options.items(), key=lambda item: item[0])))
        found = _shared.get(key)
        if found is None:
            with _lock:
                found = _shared.get(key)
                if found is None:
                    pool = this._pool_class.from_url(server, **this._pool_options)
                    found = _shared[key] = (pool, this._client(connection_pool=pool))
        return found

    def _get_connection_pool(self, write: bool) -> Any:
        return self._shared(write)[0]

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        return self._shared(write)[1]


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClient
