"""The request id: one short string per request that follows it into its logs, the outbox events it
writes and the handlers that run them (docs/operations.md, "Logs and the request id").

The id comes from the client's or the proxy's `X-Request-ID` when that is a short token, else it is
made here; the response echoes it. It lives in a context variable, so every log record written while
the request (or a handler of its events) runs carries it, whatever thread or task writes it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import os
import re
from collections.abc import Iterator

HEADER = "X-Request-ID"
# A proxy's id (nginx's $request_id, a UUID, an AWS trace id) fits; anything longer or with other
# characters is replaced, so a client cannot write arbitrary text into the logs or the outbox.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:=-]{8,64}$")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("omnicanal_request_id", default="")


def current() -> str:
    """The id of the request (or outbox handler) being run; "" outside one."""
    return _current.get()


def new() -> str:
    """32 random hex digits (a UUID4's randomness without building a UUID: this runs per request)."""
    return os.urandom(16).hex()


def accept(offered: str | None) -> str:
    """The offered id when it is an acceptable token, else a new one."""
    offered = (offered or "").strip()
    return offered if _ACCEPTED.match(offered) else new()


@contextlib.contextmanager
def bound(request_id: str) -> Iterator[str]:
    """Run a block under `request_id` (an outbox handler under the id of the request that wrote its event)."""
    token = _current.set(request_id or "")
    try:
        yield request_id
    finally:
        _current.reset(token)


class RequestIdMiddleware:
    """First in the chain, so every later middleware's logs carry the id too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept(request.headers.get(HEADER))
        request.request_id = request_id
        with bound(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("-" outside a request, for the human-readable lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current() or NONE
        return True


NONE = "-"


# The attributes every LogRecord has; anything else on a record came from `extra=` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def _id_of(record: logging.LogRecord) -> str:
    found = getattr(record, "request_id", "") or current()
    return "" if found == NONE else found


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, the
    record's `extra` fields and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _id_of(record),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                body[name] = value
        if record.exc_info:
            body["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str, ensure_ascii=False)
