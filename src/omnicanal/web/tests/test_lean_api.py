"""The API's lean chain (core/lean.py, settings.LEAN_API_MIDDLEWARE): a request under /api/ with an
API key and no session cookie skips session, auth, CSRF, messages, htmx, the console's language and
local time; it keeps request id, metrics, security headers, the reader's language, the throttle's
scope and the API's transaction and idempotency. A console session, a shopper's token or a wrong
credential keeps the full chain; the web/handler.py one-hop path follows the same rule."""

import pytest
from django.test import Client

from omnicanal.core.lean import API_KEY_HEADER
from omnicanal.core.tests import leanurls
from omnicanal.web.handler import OmnicanalASGIHandler

pytestmark = pytest.mark.django_db

PROBE = "omnicanal.core.tests.leanurls.ProbeMiddleware"  # listed last: sees the full chain's requests


@pytest.fixture
def probed(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, PROBE]
    leanurls.SEEN.clear()
    return settings


def test_an_api_key_request_takes_the_lean_chain(probed, issue_key):
    answer = Client().get("/api/v1/me", secure=True, HTTP_X_REQUEST_ID="client-id-12345", **issue_key("admin"))
    assert answer.status_code == 200 and answer.json()["kind"] == "apikey"
    assert leanurls.SEEN == []  # nothing after LeanRouteMiddleware but LEAN_API_MIDDLEWARE ran
    assert answer["X-Request-ID"] == "client-id-12345"  # before the lean router
    assert answer["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["Content-Language"] == "es" and "Accept-Language" in answer["Vary"]  # LocaleMiddleware
    assert answer["Content-Length"] == str(len(answer.content))
    assert "Set-Cookie" not in answer and not answer.cookies  # no session, no CSRF cookie


def test_errors_keep_the_reader_s_language(probed, issue_key):
    key = issue_key("integration", scopes=["catalog"])
    spanish = Client().get("/api/v1/orders", HTTP_ACCEPT_LANGUAGE="es-CL", **key)
    english = Client().get("/api/v1/orders", HTTP_ACCEPT_LANGUAGE="en", **key)
    assert spanish.status_code == english.status_code == 403
    assert spanish["Content-Type"] == english["Content-Type"] == "application/problem+json"
    assert "no tiene el alcance" in spanish.json()["detail"] and spanish["Content-Language"] == "es"
    assert "lacks the scope" in english.json()["detail"] and english["Content-Language"] == "en"
    assert leanurls.SEEN == []


def test_a_keyed_write_keeps_its_transaction_and_idempotency(probed, api):
    body = {"slug": "lean", "name": "Lean"}
    first = api.post("/categories", body, headers={"Idempotency-Key": "lean-1"})
    again = api.post("/categories", body, headers={"Idempotency-Key": "lean-1"})
    other = api.post("/categories", {"slug": "other", "name": "Other"}, headers={"Idempotency-Key": "lean-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert other.status_code == 422  # another body under the same key
    assert leanurls.SEEN == []


def test_a_bad_body_is_a_problem_in_the_lean_chain(probed, api):
    answer = api.post("/v1/orders", raw="{not json", headers={"Idempotency-Key": "lean-bad"})
    assert 400 <= answer.status_code < 500
    assert answer["Content-Type"] == "application/problem+json"
    assert leanurls.SEEN == []


def test_a_console_session_keeps_the_full_chain(probed, client, issue_key):
    from omnicanal.core.services import do_create_staff_user

    client.force_login(do_create_staff_user(username="m", password="secret-pass", role="manager"))
    assert client.get("/api/v1/me").json()["kind"] == "user"
    keyed = client.get("/api/v1/me", **issue_key("admin"))  # a key beside the session cookie
    assert keyed.json()["kind"] == "apikey"
    assert leanurls.SEEN == ["/api/v1/me", "/api/v1/me"]


def test_other_credentials_and_paths_keep_the_full_chain(probed, issue_key):
    assert Client().get("/api/v1/me").status_code == 401
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer shp_not-a-key").status_code == 401
    assert Client().get("/api/v1/no-such-thing", **issue_key("admin")).status_code == 404
    assert Client().get("/console/", **issue_key("admin")).status_code == 302  # not the API: sign in
    assert leanurls.SEEN == ["/api/v1/me", "/api/v1/me", "/api/v1/no-such-thing", "/console/"]


def test_a_wrong_key_is_refused_in_the_lean_chain(probed):
    answer = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"{API_KEY_HEADER}nope_nope")
    assert answer.status_code == 401 and answer["Content-Type"] == "application/problem+json"
    assert leanurls.SEEN == []


def test_nothing_is_lean_with_atomic_requests(probed, issue_key):
    probed.DATABASES = {alias: {**config, "ATOMIC_REQUESTS": True} for alias, config in probed.DATABASES.items()}
    assert Client().get("/api/v1/me", **issue_key("admin")).status_code == 200
    assert leanurls.SEEN == ["/api/v1/me"]


def _scope(path: str, *headers: tuple[bytes, bytes]) -> dict:
    return {"type": "http", "path": path, "headers": [(b"host", b"testserver"), *headers]}


def test_the_asgi_handler_takes_one_hop_for_the_same_requests():
    handler = OmnicanalASGIHandler()
    key = (b"authorization", b"Bearer ok_abc_secret")
    assert handler.one_hop(_scope("/api/v1/orders", key))
    assert handler.one_hop(_scope("/webhooks/whatsapp"))
    assert not handler.one_hop(_scope("/api/v1/orders"))
    assert not handler.one_hop(_scope("/api/v1/orders", (b"authorization", b"Bearer shp_token")))
    assert not handler.one_hop(_scope("/api/v1/orders", key, (b"cookie", b"sessionid=abc; omnicanal_language=en")))
    assert not handler.one_hop(_scope("/console/", key))
    assert not handler.one_hop({**_scope("/api/v1/orders", key), "type": "websocket"})


def _get_through_asgi(path: str, headers: list[tuple[bytes, bytes]]) -> list[dict]:
    from asgiref.testing import ApplicationCommunicator

    from omnicanal.web.tests.test_asgi_handler import _in_own_loop

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "https",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 5000),
             "server": ("testserver", 443)}

    async def call() -> list[dict]:
        communicator = ApplicationCommunicator(OmnicanalASGIHandler(), scope)
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        messages = [await communicator.receive_output(timeout=10)]
        while messages[-1]["type"] != "http.response.body" or messages[-1].get("more_body"):
            messages.append(await communicator.receive_output(timeout=10))
        await communicator.wait(timeout=10)
        return messages

    return _in_own_loop(call())


@pytest.mark.django_db(transaction=True)  # the request runs in a thread of its own: committed rows
def test_an_api_key_request_is_answered_in_one_hop_under_asgi(probed, monkeypatch):
    from asgiref.sync import sync_to_async

    from omnicanal.core.services import do_create_api_key
    from omnicanal.web import handler as handler_module

    hops: list[str] = []

    def counting(func, *args, **kwargs):
        hops.append(getattr(func, "__name__", repr(func)))
        return sync_to_async(func, *args, **kwargs)

    monkeypatch.setattr(handler_module, "sync_to_async", counting)
    secret = do_create_api_key(role="admin", name="asgi").secret
    messages = _get_through_asgi("/api/v1/me", [(b"authorization", f"Bearer {secret}".encode()),
                                                (b"accept-language", b"en")])
    start, body = messages[0], messages[-1]
    assert start["status"] == 200 and b'"kind": "apikey"' in body["body"].replace(b'":"', b'": "')
    assert dict(start["headers"])[b"Content-Language"] == b"en"
    assert hops == ["_answer"] and leanurls.SEEN == []


def test_the_api_s_own_pages_answer_with_a_key_too(probed, issue_key):
    key = issue_key("admin")
    assert Client().get("/api/openapi.json", **key).json()["paths"]
    docs = Client().get("/api/docs", **key)
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert leanurls.SEEN == []
