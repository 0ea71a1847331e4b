"""The ASGI handler (web/handler.py): a lean route (a provider's webhook) runs request_started, the
middleware chain, the view and request_finished in one hop to the sync thread, then its answer is
sent; a streaming answer is closed after it is sent; every other path takes Django's own handler."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.core import signals

from omnicanal.core.tests import leanurls
from omnicanal.web import handler as handler_module
from omnicanal.web.handler import OmnicanalASGIHandler


@pytest.fixture
def lean_site(settings):
    settings.ROOT_URLCONF = "omnicanal.core.tests.leanurls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "omnicanal.core.tests.leanurls.ProbeMiddleware"]
    leanurls.SEEN.clear()
    return settings


async def _call(app, path: str, journal: list[str]) -> list[dict]:
    body = b"{}"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "https", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"content-length", b"2")],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 443)}
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    messages = [await communicator.receive_output(timeout=10)]
    journal.append("sent")
    while messages[-1]["type"] != "http.response.body" or messages[-1].get("more_body"):
        messages.append(await communicator.receive_output(timeout=10))
    await communicator.wait(timeout=10)
    return messages


def _in_own_loop(coroutine):
    # Its own thread and loop: a browser test earlier in the session leaves an event loop on this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _post(path: str, journal: list[str]) -> list[dict]:
    """POST `path` through a new OmnicanalASGIHandler; the ASGI messages it sent. `journal` gets
    "started", "finished" (the signals) and "sent" (the answer's first message) in their order."""
    app = OmnicanalASGIHandler()

    async def call() -> list[dict]:
        return await _call(app, path, journal)

    def started(**kwargs):
        journal.append("started")

    def finished(**kwargs):
        journal.append("finished")

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        return _in_own_loop(call())
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)


@pytest.fixture
def hops(monkeypatch):
    counted: list[str] = []

    def counting(func, *args, **kwargs):
        counted.append(getattr(func, "__name__", repr(func)))
        return sync_to_async(func, *args, **kwargs)

    monkeypatch.setattr(handler_module, "sync_to_async", counting)
    return counted


def test_a_lean_route_is_answered_in_one_hop(lean_site, hops):
    journal: list[str] = []
    messages = _post("/webhooks/lean", journal)
    start, body = messages[0], messages[-1]
    headers = dict(start["headers"])
    assert start["status"] == 200
    assert b'"view": "answer"' in body["body"] and b'"session": false' in body["body"]
    assert headers[b"Content-Length"] == str(len(body["body"])).encode()
    assert headers[b"X-Request-ID"]
    assert hops == ["_answer"]
    assert journal == ["started", "finished", "sent"]  # the connection is given back before sending
    assert leanurls.SEEN == []


def test_a_streaming_lean_answer_is_closed_after_it_is_sent(lean_site, hops):
    journal: list[str] = []
    messages = _post("/webhooks/stream", journal)
    assert b"".join(m.get("body", b"") for m in messages[1:]) == b"one,two"
    assert journal == ["started", "sent", "finished"]
    assert hops == ["_answer", "close"]


def test_other_paths_take_djangos_own_handler(lean_site, hops):
    journal: list[str] = []
    messages = _post("/elsewhere/lean", journal)
    assert messages[0]["status"] == 200
    assert b'"session": true' in messages[-1]["body"]
    assert hops == []  # Django's ASGIHandler.handle, not ours
    assert leanurls.SEEN == ["/elsewhere/lean"]
    assert journal[0] == "started" and "finished" in journal


def test_the_application_serves_http_with_this_handler():
    from omnicanal.web.asgi import application

    assert isinstance(application.application_mapping["http"], OmnicanalASGIHandler)


def _thread(messages: list[dict]) -> int:
    return json.loads(messages[-1]["body"])["thread"]


def test_requests_borrow_their_thread_and_run_in_parallel(lean_site):
    """One thread per lean request in flight, as Django's handler; reused by the next, not started anew."""
    app = OmnicanalASGIHandler()

    async def one_after_another() -> list[int]:
        threads = []
        for path in ("/webhooks/lean", "/webhooks/lean/x", "/webhooks/lean"):
            threads.append(_thread(await _call(app, path, [])))
        return threads

    async def together(path: str) -> list[dict]:
        return list(await asyncio.gather(_call(app, path, []), _call(app, path, [])))

    assert len(set(_in_own_loop(one_after_another()))) == 1
    for path in ("/webhooks/meet", "/elsewhere/meet"):  # each waits for the other inside its view: parallel
        first, second = _in_own_loop(together(path))
        assert first[0]["status"] == second[0]["status"] == 200
        assert _thread(first) != _thread(second)
