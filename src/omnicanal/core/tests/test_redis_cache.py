"""The Redis cache keeps one client per process (core.redis_cache): Django's builds a redis.Redis per
operation, and under ASGI a backend, a pool and a connection per request (issue 23)."""

import threading
import uuid

import pytest

from omnicanal.core import redis_cache

URL = "redis://127.0.0.1:6379/0"


def _backend(prefix: str = "") -> redis_cache.RedisCache:
    return redis_cache.RedisCache(URL, {"KEY_PREFIX": prefix})


def test_every_backend_and_operation_shares_one_client_and_pool():
    # given two backends, as two ASGI requests (two contexts) build them, and another thread's
    first, second = _backend()._cache, _backend()._cache
    other: list = []
    thread = threading.Thread(target=lambda: other.append(_backend()._cache.get_client(write=True)))
    thread.start()
    thread.join()
    # then they hand out the same client on the same pool, every time
    client = first.get_client()
    assert client is first.get_client(write=True) is second.get_client() is other[0]
    assert client.connection_pool is first._get_connection_pool(False) is second._get_connection_pool(True)


def test_another_server_or_options_get_their_own_client():
    mine = _backend()._cache.get_client()
    assert redis_cache.RedisCache("redis://127.0.0.1:6379/1", {})._cache.get_client() is not mine
    assert redis_cache.RedisCache(URL, {"OPTIONS": {"socket_timeout": 3}})._cache.get_client() is not mine


def test_a_value_goes_round_a_shared_client():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    cache, key = _backend(f"omnicanal-test:{uuid.uuid4().hex}"), "k"
    try:
        cache.set(key, {"n": 1}, 30)
        assert _backend(cache.key_prefix).get(key) == {"n": 1}
        assert cache.add(key, 2) is False
        assert cache.add("n", 1) is True and cache.incr("n") == 2
    finally:
        cache.delete_many([key, "n"])
