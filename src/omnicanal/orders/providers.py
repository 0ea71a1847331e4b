"""Payment providers behind one small interface.

    authorize(payment) -> status     at placement: "captured" (money in hand) or "pending"
    refund(payment, amount) -> None  give money back to the original method

Built in: cash and a card-present terminal at the POS (captured at once), "testpay", a
card-not-present test provider whose outcome arrives later through a signed webhook (HMAC-SHA256
of the raw body, header X-Testpay-Signature), like a real gateway's, and "webpay", Transbank
Webpay Plus's hosted page (orders/webpay.py). OMNICANAL["CARD_PROVIDER"] picks the one that takes
card-not-present payments (web, app, marketplace). Stored value, gift cards and
points are paid through loyalty's services (services.py), not through a provider here.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings


class Provider:
    name = ""

    def authorize(self, payment) -> str:
        raise NotImplementedError

    def refund(self, payment, amount) -> None:
        """Record-only for the built-ins: the till or the terminal gives the money back."""


class Cash(Provider):
    name = "cash"

    def authorize(self, payment) -> str:
        return "captured"


class CardPresent(Provider):
    name = "terminal"

    def authorize(self, payment) -> str:
        return "captured"


class TestPay(Provider):
    """Card not present: pending until the provider's webhook says captured or failed."""

    name = "testpay"

    def authorize(self, payment) -> str:
        return "pending"


class Marketplace(Provider):
    """A marketplace's order (imported by the marketplaces app): the marketplace collected the money
    and gives it back itself on a cancellation, so ours is captured at once and refunds are records."""

    name = "marketplace"

    def authorize(self, payment) -> str:
        return "captured"


PROVIDERS: dict[str, Provider] = {p.name: p for p in (Cash(), CardPresent(), TestPay(), Marketplace())}


CARD_PROVIDERS = ("testpay", "webpay")


def register(one: Provider) -> None:
    """A provider living in its own module (webpay.py) adds itself; the orders app imports it when ready."""
    PROVIDERS[one.name] = one


def provider(name: str) -> Provider:
    return PROVIDERS[name]


def card_provider() -> str:
    """The provider of card-not-present payments: OMNICANAL["CARD_PROVIDER"], testpay by default."""
    name = settings.OMNICANAL.get("CARD_PROVIDER") if isinstance(settings.OMNICANAL, dict) else None
    return name if name in CARD_PROVIDERS else "testpay"


def testpay_secret() -> bytes:
    configured = settings.OMNICANAL.get("TESTPAY_SECRET") if isinstance(settings.OMNICANAL, dict) else None
    base = configured or settings.SECRET_KEY
    return hashlib.sha256(f"testpay:{base}".encode()).digest()


def sign(body: bytes) -> str:
    return hmac.new(testpay_secret(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str) -> bool:
    return bool(signature) and hmac.compare_digest(sign(body), signature)


def webhook_body(*, event_id: str, payment_id: str, status: str) -> bytes:
    """What testpay sends (tests and the demo use it to play the provider)."""
    return json.dumps({"id": event_id, "type": f"payment.{status}", "payment": payment_id}).encode()
