"""The ASGI handler uvicorn runs: Django's own, with one thread hop per provider webhook (issue 23).

Django's ASGIHandler runs a synchronous request in three hops to its sync thread (request_started's
receivers, the middleware chain and view, then response.close() with request_finished's), beside two
tasks (the request and a disconnect listener) and a spooled temporary file for the body. For
WhatsApp's webhooks (hundreds a second, a JSON body of a few hundred bytes, a JSON answer), that
machinery cost about as much CPU as the view (bench/bench_inbound_cpu.py --asgi).

A request for a path under settings.LEAN_ROUTE_PREFIXES (the providers' webhooks, core/lean.py)
runs here in ONE hop: request_started, the same middleware chain (Django's synchronous handler,
settings.MIDDLEWARE, as under WSGI) and, for an answer already in memory, response.close() with
request_finished (the pooled database connection goes back before the bytes are sent, as nothing is
left to read from it); then the answer is sent. A streaming answer is closed after it is sent, as
Django does. So does an API request with an API key and no session cookie (settings.LEAN_API_PREFIX,
core/lean.py: the flash sale's buyers, issue 23): a short JSON answer, no page, no stream. Every other
request (pages, the API with a console session or a shopper's token, static files, server-sent
events) takes Django's path unchanged.

And such a request borrows its sync thread instead of starting one. Django gives each request a
ThreadSensitiveContext of its own: a new single-thread executor (a thread started) and, on exit,
another thread started to join it. Here the lean request's context is given an executor from a free
list (asgiref's ThreadSensitiveContext(executor=...)), handed back once its one hop is over: still
one thread per request in flight, requests in flight still in parallel, no thread started or joined
per webhook. At most KEEP_THREADS idle executors are kept. Only lean requests borrow: Django's path
(its disconnect listener may cancel a request whose view still runs in its thread, and pages stream
static files) keeps a thread of its own per request (lending there stalled a console page's loads).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.urls import set_script_prefix

from omnicanal.core.lean import API_KEY_HEADER


class _SyncChain(BaseHandler):
    """settings.MIDDLEWARE loaded for synchronous calls, as the WSGI handler loads it."""

    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)


KEEP_THREADS = 32
_API_KEY_HEADER = API_KEY_HEADER.encode()


class _Threads:
    """Single-thread executors lent to requests: one per request in flight, idle ones kept."""

    def __init__(self, keep: int = KEEP_THREADS) -> None:
        self.keep = keep
        self.idle: list[ThreadPoolExecutor] = []
        self.lock = threading.Lock()

    def lend(self) -> ThreadPoolExecutor:
        with self.lock:
            if self.idle:
                return self.idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def take_back(self, executor: ThreadPoolExecutor) -> None:
        with self.lock:
            if len(self.idle) < self.keep:
                self.idle.append(executor)
                return
        executor.shutdown(wait=False)


class OmnicanalASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.lean_prefixes = tuple(getattr(settings, "LEAN_ROUTE_PREFIXES", ()))
        self.api_prefix = str(getattr(settings, "LEAN_API_PREFIX", ""))
        self._session_cookie = settings.SESSION_COOKIE_NAME.encode()
        self._sync_chain = _SyncChain() if self.lean_prefixes or self.api_prefix else None
        self._threads = _Threads()

    def one_hop(self, scope) -> bool:
        """A provider's webhook, or an API request with an API key and no session cookie."""
        if self._sync_chain is None or scope["type"] != "http":
            return False
        path = scope["path"]
        if self.lean_prefixes and path.startswith(self.lean_prefixes):
            return True
        return bool(self.api_prefix) and path.startswith(self.api_prefix) and self._keyed(scope["headers"])

    def _keyed(self, headers) -> bool:
        keyed = False
        for name, value in headers:
            if name == b"authorization":
                keyed = value.startswith(_API_KEY_HEADER)
            elif name == b"cookie" and self._session_cookie in value:
                return False  # a console session (or what looks like one): Django's path
        return keyed

    async def __call__(self, scope, receive, send):
        if not self.one_hop(scope):
            return await super().__call__(scope, receive, send)  # Django's, unchanged
        executor = self._threads.lend()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self._lean(scope, receive, send)
        finally:
            self._threads.take_back(executor)

    async def _lean(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response, closed = await sync_to_async(self._answer, thread_sensitive=True)(scope, body_file)
            await self.send_response(response, send)
            if not closed:
                await sync_to_async(response.close)()
        finally:
            body_file.close()

    def _answer(self, scope, body_file):
        """request_started, the chain and the view, and (unless it streams) response.close(): one hop."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            response = error_response
        else:
            assert self._sync_chain is not None
            response = self._sync_chain.get_response(request)
        response._handler_class = self.__class__
        if response.streaming:
            return response, False
        response.close()  # request_finished: the content is in memory, nothing more is read
        return response, True
