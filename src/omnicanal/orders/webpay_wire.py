"""Webpay Plus's wire, apart from the round trip's decisions (webpay.py): the REST client, its errors,
the amount on the wire, the browser's redirect and the signed `next` path. Nothing here writes the order
book, so the stored-card services (services/cards.py, oneclick.py) may use it without an import cycle
through services (webpay.py's round trip calls services)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from django.core import signing
from django.utils.translation import gettext_lazy as _

from omnicanal.core.errors import Problem
from omnicanal.orders.webpay_config import API_PATH, Config, config

NAME = "webpay"
RETURN_PATH = "/payments/webpay/return"
NEXT_SALT = "omnicanal.orders.webpay.next"
PAY_SALT = "omnicanal.orders.webpay.pay"
BUY_ORDER = re.compile(r"^[A-Za-z0-9]{1,26}$")


class ProviderUnavailable(Problem):
    status = 503
    slug = "payment-provider-unavailable"
    title = _("The payment provider did not answer")


class WebpayError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class WebpayUnavailable(WebpayError):
    """No answer in time, a network error or a 5xx: try again later, nothing is decided."""


class WebpayRefused(WebpayError):
    """A 4xx with Webpay's error_message: this call will not succeed as it is."""


class TransbankClient:
    """Transbank's REST APIs (Webpay Plus here, Oneclick Mall in oneclick.py) over httpx: the keys in
    headers, the answers and errors read one way. The sandbox is the same client over an in-process
    transport. Subclasses name their API path, sandbox and configuration."""

    api_path = ""
    sandbox_host = ""
    base_url_setting = ""  # named when the sandbox is configured in production

    def __init__(self, cfg: Any = None):
        self.cfg = cfg or self.default_config()

    def default_config(self) -> Any:
        raise NotImplementedError

    def sandbox_handler(self) -> Callable[[httpx.Request], httpx.Response]:
        raise NotImplementedError

    def _http(self) -> httpx.Client:
        headers = {"Tbk-Api-Key-Id": self.cfg.commerce_code, "Tbk-Api-Key-Secret": self.cfg.api_key,
                   "Content-Type": "application/json", "Accept": "application/json"}
        if self.cfg.sandbox_refused:
            raise WebpayUnavailable(f"{self.base_url_setting} is the sandbox in production: set Transbank's URL and keys")
        if self.cfg.sandbox:
            return httpx.Client(base_url=self.sandbox_host, headers=headers, timeout=self.cfg.timeout,
                                transport=httpx.MockTransport(self.sandbox_handler()))
        return httpx.Client(base_url=self.cfg.base_url, headers=headers, timeout=self.cfg.timeout)

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            with self._http() as http:
                answer = http.request(method, self.api_path + path, json=body)
        except httpx.HTTPError as exc:  # timeouts, refused connections, protocol errors
            raise WebpayUnavailable(f"{type(exc).__name__}: {exc}") from exc
        try:
            data = answer.json() if answer.content else {}
        except ValueError:
            data = {}
        if answer.status_code >= 500:
            raise WebpayUnavailable(str(data.get("error_message") or answer.status_code), answer.status_code)
        if answer.status_code >= 400:
            raise WebpayRefused(str(data.get("error_message") or answer.text[:200]), answer.status_code)
        if not isinstance(data, dict):
            raise WebpayUnavailable("the answer is not a JSON object", answer.status_code)
        return data


class Client(TransbankClient):
    """Webpay Plus REST v1.2."""

    api_path = API_PATH
    sandbox_host = "http://webpay.sandbox"
    base_url_setting = "WEBPAY_BASE_URL"

    def __init__(self, cfg: Config | None = None):
        super().__init__(cfg)

    def default_config(self) -> Config:
        return config()

    def sandbox_handler(self) -> Callable[[httpx.Request], httpx.Response]:
        from omnicanal.orders import webpay_sandbox

        return webpay_sandbox.handle

    def create(self, *, buy_order: str, session_id: str, amount: Decimal, return_url: str) -> dict:
        return self._call("POST", "", {"buy_order": buy_order, "session_id": session_id,
                                       "amount": wire_amount(amount), "return_url": return_url})

    def commit(self, token: str) -> dict:
        return self._call("PUT", f"/{token}")

    def status(self, token: str) -> dict:
        return self._call("GET", f"/{token}")

    def refund(self, token: str, amount: Decimal) -> dict:
        return self._call("POST", f"/{token}/refunds", {"amount": wire_amount(amount)})


def wire_amount(amount: Decimal) -> int | float:
    """CLP has no minor unit: Webpay takes whole pesos as a JSON number."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


@dataclass(frozen=True)
class Redirect:
    """Send the browser to `url` with a form POST of token_ws=`token`."""

    url: str
    token: str


def sign_next(next_path: str) -> str:
    return signing.dumps(next_path or "/", salt=NEXT_SALT, compress=True)


def read_next(signed: str) -> str:
    try:
        value = signing.loads(signed or "", salt=NEXT_SALT)
    except signing.BadSignature:
        return "/"
    return value if isinstance(value, str) and value.startswith("/") and not value.startswith("//") else "/"
