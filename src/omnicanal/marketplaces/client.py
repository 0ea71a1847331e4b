"""Mercado Libre's HTTP API at a configurable base URL (OMNICANAL["MERCADOLIBRE"]["API_URL"]): the
real https://api.mercadolibre.com, or the loopback sandbox (marketplaces/sandbox.py). One call,
JSON in and out; no database here (services/ decides what a failure means)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

USER_AGENT = "omnicanal-marketplaces/1"


def config() -> dict:
    return settings.OMNICANAL["MERCADOLIBRE"]


class ApiError(Exception):
    """A call that did not answer 2xx. `retryable`: 429, 5xx or no answer at all (the network)."""

    def __init__(self, status: int | None, body: Any, retry_after: float | None = None) -> None:
        self.status = status
        self.body = body
        self.retry_after = retry_after
        message = body.get("message") if isinstance(body, dict) else str(body or "")
        super().__init__(f"HTTP {status}: {message}" if status else f"no answer: {message}")

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500

    @property
    def invalid_token(self) -> bool:
        return self.status == 401


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def request(method: str, path: str, *, token: str = "", body: Any = None, form: dict | None = None) -> Any:
    """Answer the decoded JSON of a 2xx; raise ApiError otherwise."""
    url = config()["API_URL"].rstrip("/") + path
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    data = None
    if form is not None:  # the OAuth token endpoint takes a form
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=float(config()["TIMEOUT_SECONDS"])) as answer:
            raw = answer.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"message": raw[:200].decode(errors="replace")}
        raise ApiError(exc.code, payload, _retry_after(exc.headers.get("Retry-After"))) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ApiError(None, {"message": str(getattr(exc, "reason", exc))[:300]}) from None
    return json.loads(raw) if raw else {}
