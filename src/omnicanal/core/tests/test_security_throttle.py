"""Throttles (core.throttle): counting, lockout, 429 problem+json with Retry-After, both backends,
and the console's sign-in and API keys behind them."""

import datetime as dt
import uuid

import pytest
from django.db import connection

from omnicanal.core import clock, throttle
from omnicanal.core.errors import TooManyRequests
from omnicanal.core.models import ThrottleCounter, User

T0 = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)
LIMITS = {"test_limit": {"max": 3, "per": 60, "lockout": 300}}


@pytest.fixture
def limits(settings):
    settings.THROTTLES = {**settings.THROTTLES, **LIMITS}


@pytest.fixture
def redis_backend(settings, limits):
    """Opt in to Redis (127.0.0.1:6379) under a key prefix of this test's own; only its keys are removed."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"omnicanal-test:{uuid.uuid4().hex}:"
    settings.THROTTLE_BACKEND = "redis"
    settings.THROTTLE_REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.THROTTLE_KEY_PREFIX = prefix
    yield client
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def _lockout_then_expiry():
    # given three failures of one subject within the window
    with clock.frozen(T0):
        throttle.check(("test_limit", "card-1"))
        for _ in range(3):
            throttle.failed(("test_limit", "card-1"))
        # then it is locked, another subject is not
        with pytest.raises(TooManyRequests) as caught:
            throttle.check(("test_limit", "card-1"))
        throttle.check(("test_limit", "card-2"))
    assert caught.value.status == 429 and caught.value.retry_after == 300
    # and it stays locked until the lockout is over, then starts afresh
    with clock.frozen(T0 + dt.timedelta(seconds=299)):
        with pytest.raises(TooManyRequests):
            throttle.check(("test_limit", "card-1"))
    with clock.frozen(T0 + dt.timedelta(seconds=301)):
        throttle.check(("test_limit", "card-1"))
        throttle.failed(("test_limit", "card-1"))
        throttle.check(("test_limit", "card-1"))


def _rate_limit():
    with clock.frozen(T0):
        for _ in range(3):
            throttle.attempt("test_limit", "addr")
        with pytest.raises(TooManyRequests):
            throttle.attempt("test_limit", "addr")
    with clock.frozen(T0 + dt.timedelta(seconds=301)):
        throttle.attempt("test_limit", "addr")


def _reset():
    with clock.frozen(T0):
        for _ in range(3):
            throttle.failed(("test_limit", "pickup"))
        throttle.reset(("test_limit", "pickup"))
        throttle.check(("test_limit", "pickup"))


@pytest.mark.django_db
def test_database_backend_locks_after_max_failures_until_the_lockout_ends(limits):
    _lockout_then_expiry()
    _rate_limit()
    _reset()
    # and the table keeps no subject in clear
    assert not ThrottleCounter.objects.filter(key__contains="card-1").exists()


@pytest.mark.django_db
def test_redis_backend_locks_after_max_failures_until_the_lockout_ends(redis_backend):
    _lockout_then_expiry()
    _rate_limit()
    _reset()
    assert not ThrottleCounter.objects.exists()  # it all went to Redis
    assert any(True for _ in redis_backend.scan_iter(f"{throttle.backend().prefix}*"))


def attempt_once(name: str, subject: str, settings_overrides: dict, redis_prefix: str = "") -> bool:
    """In a child process (core.testing.run_in_processes): one attempt; True when allowed."""
    from django.conf import settings

    from omnicanal.core import throttle as child_throttle

    settings.THROTTLES = {**settings.THROTTLES, **settings_overrides}
    if redis_prefix:
        settings.THROTTLE_BACKEND = "redis"
        settings.THROTTLE_REDIS_URL = "redis://127.0.0.1:6379/0"
        settings.THROTTLE_KEY_PREFIX = redis_prefix
    child_throttle.backend.cache_clear()
    try:
        child_throttle.attempt(name, subject)
    except TooManyRequests:
        return False
    return True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_never_exceed_the_limit_on_postgresql():
    from omnicanal.core.testing import run_in_processes

    # given a limit of 3 and 8 processes attempting at the same instant
    overrides = {"parallel": {"max": 3, "per": 600, "lockout": 600}}
    results = run_in_processes("omnicanal.core.tests.test_security_throttle:attempt_once",
                               [("parallel", "one-subject", overrides)] * 8)
    # then exactly 3 got through
    assert sum(results) == 3
    assert ThrottleCounter.objects.get().hits == 8


@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_never_exceed_the_limit_on_redis(redis_backend):
    from omnicanal.core.testing import run_in_processes

    overrides = {"parallel": {"max": 3, "per": 600, "lockout": 600}}
    results = run_in_processes("omnicanal.core.tests.test_security_throttle:attempt_once",
                               [("parallel", "one-subject", overrides, throttle.backend().prefix)] * 6)
    assert sum(results) == 3


# --- the console's sign-in ----------------------------------------------------------------------------


@pytest.fixture
def clerk(db):
    user = User(username="ana", role="agent")
    user.set_password("right-password-1")
    user.save()
    return user


def _login(client, username, password, address="10.0.0.1"):
    return client.post("/console/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_console_login_locks_an_account_after_5_wrong_passwords(client, clerk):
    # given five wrong passwords for one account, from five addresses
    for i in range(5):
        assert _login(client, "ana", "wrong", address=f"10.0.1.{i}").status_code == 200
    # when the right password comes, from yet another address
    response = _login(client, "ANA", "right-password-1", address="10.0.2.1")
    # then the form answers 429 with a translated message and a Retry-After; nobody is signed in
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Demasiados intentos fallidos" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_console_login_locks_an_address_after_20_failures_across_accounts(client, clerk):
    # given twenty wrong sign-ins from one address, each for another account
    for i in range(20):
        _login(client, f"guess{i}", "wrong", address="10.9.9.9")
    # then a right password from that address is refused, and from another address accepted
    assert _login(client, "ana", "right-password-1", address="10.9.9.9").status_code == 429
    assert _login(client, "ana", "right-password-1", address="10.9.9.8").status_code == 302


def test_the_admin_sign_in_is_behind_the_same_lock(client, clerk):
    # given a locked account
    clerk.role, clerk.is_staff = "admin", True
    clerk.save()
    for _ in range(5):
        _login(client, "ana", "wrong")
    # when the right password is tried at /admin/login/
    response = client.post("/admin/login/", {"username": "ana", "password": "right-password-1"}, REMOTE_ADDR="10.0.0.7")
    # then nobody is signed in
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_a_right_password_clears_the_accounts_count(client, clerk):
    for _ in range(4):
        _login(client, "ana", "wrong")
    assert _login(client, "ana", "right-password-1").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "ana", "wrong")
    assert _login(client, "ana", "right-password-1").status_code == 302


# --- API keys ----------------------------------------------------------------------------------------


@pytest.mark.urls("omnicanal.core.tests.testapi")
def test_api_key_failures_lock_the_address_with_a_429_problem(api, issue_key):
    # given twenty wrong keys from one address
    good = issue_key("admin")
    for i in range(20):
        response = api.client.post("/api/v1/locations/X/count", HTTP_AUTHORIZATION=f"Bearer ok_nope{i}_bad",
                                   REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 401
    # when a right key comes from that address
    response = api.client.post("/api/v1/locations/SCL/count", REMOTE_ADDR="10.1.1.1", **good)
    # then 429 problem+json with Retry-After
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/too-many-requests"
    assert int(response["Retry-After"]) > 0
    # and another address is not affected
    assert api.client.post("/api/v1/locations/SCL/count", REMOTE_ADDR="10.1.1.2", **good).status_code == 200


def test_the_problem_type_is_documented(client):
    assert client.get("/problems/too-many-requests").status_code == 200


def test_counters_are_purged_once_over(db, limits):
    with clock.frozen(T0):
        throttle.failed(("test_limit", "x"))
    assert throttle.purge(now=(T0 + dt.timedelta(seconds=30)).timestamp()) == 0
    assert throttle.purge(now=(T0 + dt.timedelta(seconds=61)).timestamp()) == 1
    assert connection.vendor in {"sqlite", "postgresql"}


def test_an_unreachable_redis_lets_requests_through_rather_than_fail(db, settings, limits):
    # given a Redis backend pointed at a port where nothing listens
    settings.THROTTLE_BACKEND = "redis"
    settings.THROTTLE_REDIS_URL = "redis://127.0.0.1:1/0"
    # then counting and checking neither raise nor lock
    for _ in range(5):
        throttle.failed(("test_limit", "x"))
        throttle.attempt("test_limit", "y")
    throttle.check(("test_limit", "x"))


def test_the_client_address_trusts_x_forwarded_for_only_behind_configured_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    # without proxies configured, a client cannot pick its address with the header
    settings.THROTTLE_TRUSTED_PROXIES = 0
    assert throttle.client_address(request) == "10.0.0.1"
    # behind one proxy, the address that proxy saw (the last one it appended)
    settings.THROTTLE_TRUSTED_PROXIES = 1
    assert throttle.client_address(request) == "203.0.113.9"
