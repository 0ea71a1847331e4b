"""Webpay Plus's settings and wire constants, shared by the client (webpay.py) and the sandbox
(webpay_sandbox.py), which must not import each other both ways. Sources: webpay.py's docstring."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

API_PATH = "/rswebpaytransaction/api/webpay/v1.2/transactions"
SANDBOX = "sandbox"  # BASE_URL value: the in-process sandbox (webpay_sandbox.py), nothing leaves the machine
INTEGRATION_URL = "https://webpay3gint.transbank.cl"
PRODUCTION_URL = "https://webpay3g.transbank.cl"
# Transbank's published integration credentials (the SDKs' defaults; useless for real money).
INTEGRATION_COMMERCE_CODE = "597055555532"
INTEGRATION_API_KEY = "579B532A7440BB0C9079DED94D31EA1615BACEB56610332264630D42D0A36B1C"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class TransbankHost:
    """Where a Transbank configuration points (`base_url`): the in-process sandbox or Transbank."""

    base_url: str

    @property
    def sandbox(self) -> bool:
        return self.base_url == SANDBOX

    @property
    def sandbox_refused(self) -> bool:
        """A production deployment never takes the sandbox's word for a payment (free goods)."""
        return self.sandbox and bool(getattr(settings, "PRODUCTION", False))


@dataclass(frozen=True)
class Config(TransbankHost):
    base_url: str
    commerce_code: str
    api_key: str
    return_url: str  # where Webpay sends the shopper back (scheme + host); empty: PUBLIC_URL or the request's
    timeout: float
    abandon_minutes: int


def config() -> Config:
    given = (settings.OMNICANAL.get("WEBPAY") or {}) if isinstance(settings.OMNICANAL, dict) else {}
    return Config(
        base_url=str(given.get("BASE_URL") or SANDBOX).rstrip("/"),
        commerce_code=str(given.get("COMMERCE_CODE") or INTEGRATION_COMMERCE_CODE),
        api_key=str(given.get("API_KEY") or INTEGRATION_API_KEY),
        return_url=str(given.get("RETURN_URL") or settings.OMNICANAL.get("PUBLIC_URL") or "").rstrip("/"),
        timeout=float(given.get("TIMEOUT_SECONDS") or 10),
        abandon_minutes=int(given.get("ABANDON_MINUTES") or 30),
    )


# --- Webpay Oneclick Mall (orders/oneclick.py cites the format) ------------------------------------

ONECLICK_API_PATH = "/rswebpaytransaction/api/oneclick/v1.2"
# Transbank's published integration credentials for Oneclick Mall: the mall and its first store.
ONECLICK_INTEGRATION_COMMERCE_CODE = "597055555541"
ONECLICK_INTEGRATION_CHILD_CODE = "597055555542"
# Transbank's integration test cards: the Visa approves, the Mastercard is declined.
TEST_CARD = "4051885600446623"
REJECTED_TEST_CARD = "5186059559590568"
USERNAME_MAX, EMAIL_MAX, TBK_USER_MAX, BUY_ORDER_MAX, RESPONSE_URL_MAX = 40, 100, 40, 26, 255


@dataclass(frozen=True)
class OneclickConfig(TransbankHost):
    base_url: str
    commerce_code: str  # the mall's: it authenticates every call (Tbk-Api-Key-Id)
    child_commerce_code: str  # the store inside the mall that sells (each detail's commerce_code)
    api_key: str
    return_url: str
    timeout: float
    rejected_card: str  # the sandbox declines charges to this card number (the demo's "card that fails")


def oneclick_config() -> OneclickConfig:
    """OMNICANAL["ONECLICK"]; its base URL and return URL default to Webpay Plus's (one Transbank)."""
    plus = config()
    given = (settings.OMNICANAL.get("ONECLICK") or {}) if isinstance(settings.OMNICANAL, dict) else {}
    return OneclickConfig(
        base_url=str(given.get("BASE_URL") or plus.base_url).rstrip("/"),
        commerce_code=str(given.get("COMMERCE_CODE") or ONECLICK_INTEGRATION_COMMERCE_CODE),
        child_commerce_code=str(given.get("CHILD_COMMERCE_CODE") or ONECLICK_INTEGRATION_CHILD_CODE),
        api_key=str(given.get("API_KEY") or INTEGRATION_API_KEY),
        return_url=str(given.get("RETURN_URL") or plus.return_url).rstrip("/"),
        timeout=float(given.get("TIMEOUT_SECONDS") or plus.timeout),
        rejected_card=str(given.get("REJECTED_CARD") or REJECTED_TEST_CARD),
    )
