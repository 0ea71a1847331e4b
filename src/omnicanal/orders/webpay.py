"""Card payments through Transbank Webpay Plus, its REST API v1.2: we create a transaction, the
shopper's browser posts `token_ws` to Webpay's page, Webpay sends the browser back to our return URL
and we commit. The payment stays pending until then; the order is paid, or cancelled with its stock
released, through the same service as every provider (services.do_payment_event).

The wire format, as Transbank documents it (checked with the search tool, December 2026):
- https://www.transbankdevelopers.cl/referencia/webpay: hosts https://webpay3g.transbank.cl (production)
  and https://webpay3gint.transbank.cl (integration); every call carries Tbk-Api-Key-Id (the commerce
  code), Tbk-Api-Key-Secret (the secret key) and Content-Type: application/json.
- https://www.transbankdevelopers.cl/documentacion/webpay-plus: create answers {token, url}; the
  browser is sent to url by a form POST of token_ws.
- TransbankDevelopers/transbank-sdk-python: common/api_constants.py (path /rswebpaytransaction/api/webpay/v1.2;
  buy_order <= 26, session_id <= 61, return_url <= 255, token <= 64 characters),
  webpay/webpay_plus/transaction.py (POST /transactions {buy_order, session_id, amount, return_url};
  PUT /transactions/{token} commits; GET /transactions/{token} is the status; POST
  /transactions/{token}/refunds {amount}), webpay/webpay_plus/schema.py (commit and status answer vci,
  amount, status, buy_order, session_id, card_detail{card_number}, accounting_date, transaction_date,
  authorization_code, payment_type_code, response_code, installments_number; a refund answers type
  REVERSED or NULLIFIED, authorization_code, authorization_date, nullified_amount, balance,
  response_code), common/request_service.py (an error answer carries error_message),
  common/integration_commerce_codes.py and integration_api_keys.py (the public integration credentials).
- The return URL receives token_ws (the form was completed: approved or rejected, commit tells),
  TBK_TOKEN + TBK_ORDEN_COMPRA + TBK_ID_SESION (the shopper pressed "anular"), only TBK_ORDEN_COMPRA +
  TBK_ID_SESION (the form timed out), or all four (abnormal: never commit) — Transbank's own examples
  (transbank-sdk-java-webpay-rest-example webpay_plus/aborted.jsp, the Node example's return handler).
Approved means status AUTHORIZED and response_code 0, and we also require Webpay's amount, buy_order
and session_id to be ours. A second commit of a token is refused by Webpay (an error answer): we never
send one for a payment that is no longer pending, and a refused commit is settled by the status call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from omnicanal.core import clock
from omnicanal.core.errors import InvalidTransition, NotFound
from omnicanal.core.money import Money
from omnicanal.orders import providers
from omnicanal.orders.models import Payment, PaymentStatus
from omnicanal.orders.providers import Provider
from omnicanal.orders.webpay_config import (  # noqa: F401  (re-exported: the shop and the tests use webpay.*)
    API_PATH,
    INTEGRATION_API_KEY,
    INTEGRATION_COMMERCE_CODE,
    INTEGRATION_URL,
    PRODUCTION_URL,
    SANDBOX,
    TOKEN,
    Config,
    config,
)
from omnicanal.orders.webpay_wire import (  # noqa: F401  (re-exported: callers and tests use webpay.*)
    BUY_ORDER,
    NAME,
    NEXT_SALT,
    PAY_SALT,
    RETURN_PATH,
    Client,
    ProviderUnavailable,
    Redirect,
    WebpayError,
    WebpayRefused,
    WebpayUnavailable,
    read_next,
    sign_next,
    wire_amount,
)

log = logging.getLogger(__name__)

class Webpay(Provider):
    """Pending at placement; captured or failed when the shopper comes back (or the sweep decides)."""

    name = NAME

    def authorize(self, payment) -> str:
        return "pending"

    def refund(self, payment, amount) -> None:
        """Runs inside do_refund's transaction: a refusal or silence rolls the refund back."""
        if not payment.provider_ref or payment.provider_ref == payment.public_id:
            return  # never reached Webpay: nothing to give back there
        try:
            answer = Client().refund(payment.provider_ref, Decimal(amount))
        except WebpayUnavailable as exc:
            raise ProviderUnavailable(detail=str(_("Webpay did not answer the refund; try again."))) from exc
        except WebpayRefused as exc:
            raise InvalidTransition(detail=str(_("Webpay refused the refund: %(why)s")) % {"why": exc}) from exc
        log.info("webpay refund %s of %s: %s", payment.public_id, amount, answer.get("type"))


PROVIDER = Webpay()
providers.register(PROVIDER)  # the orders app imports this module when ready (apps.py)


# --- the shopper's round trip ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a return meant: approved, rejected, cancelled, pending (undecided), unknown, malformed or
    unavailable (Webpay did not answer; the shopper may retry with `token`)."""

    result: str
    payment_id: str = ""
    order_id: str = ""
    token: str = ""

    @property
    def http_status(self) -> int:
        return {"unknown": 404, "malformed": 400, "unavailable": 503}.get(self.result, 302)


def buy_order(payment: Payment) -> str:
    """Our payment id without its prefix: 26 characters, exactly Webpay's limit, and unique."""
    return payment.public_id.removeprefix("pay_")


def pay_link(payment_id: str, next_path: str = "/") -> str:
    """The shop's link to pay a pending Webpay payment (GET: a confirm page; POST: off to Webpay)."""
    return f"/payments/webpay/pay/{signing.dumps({'p': payment_id, 'n': next_path or '/'}, salt=PAY_SALT)}/"


def read_pay_link(signed: str) -> tuple[str, str]:
    try:
        value = signing.loads(signed, salt=PAY_SALT)
        return str(value["p"]), str(value["n"])
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise NotFound(detail=str(_("No such payment."))) from exc


def _pending(payment_id: str) -> Payment:
    pay = Payment.objects.select_related("order").filter(public_id=payment_id, provider=NAME).first()
    if pay is None:
        raise NotFound(detail=str(_("No payment %(id)s.")) % {"id": payment_id})
    if pay.status != PaymentStatus.PENDING:
        raise InvalidTransition(detail=str(_("Payment %(id)s is already %(status)s.")) % {
            "id": payment_id, "status": pay.get_status_display()})
    return pay


@dataclass(frozen=True)
class PendingPayment:
    payment_id: str
    order_number: str
    amount: Money


def pending_payment(payment_id: str) -> PendingPayment:
    """What the shopper is about to pay (NotFound, or InvalidTransition once it is settled)."""
    pay = _pending(payment_id)
    return PendingPayment(payment_id=pay.public_id, order_number=pay.order.number,
                          amount=Money(pay.amount, pay.order.currency))


def start(payment_id: str, *, next_path: str = "/", return_base: str = "") -> Redirect:
    """Create the Webpay transaction of a pending payment (outside any transaction: an HTTP call)."""
    from omnicanal.orders.services import payments as payment_services

    cfg = config()
    pay = _pending(payment_id)
    base = cfg.return_url or return_base.rstrip("/")
    return_url = f"{base}{RETURN_PATH}?{urlencode({'next': sign_next(next_path)})}"
    if len(return_url) > 255:  # Webpay's limit: a long `next` gives way to the shop's home
        return_url = f"{base}{RETURN_PATH}?{urlencode({'next': sign_next('/')})}"
    try:
        answer = Client(cfg).create(buy_order=buy_order(pay), session_id=pay.order.public_id, amount=pay.amount,
                                    return_url=return_url)
    except WebpayUnavailable as exc:
        log.warning("webpay create %s: %s", payment_id, exc)
        raise ProviderUnavailable(detail=str(_("Webpay did not answer; please try again in a moment."))) from exc
    except WebpayRefused as exc:
        log.error("webpay refused create %s: %s", payment_id, exc)
        raise ProviderUnavailable(detail=str(_("Webpay refused the payment; please try again later."))) from exc
    token, url = str(answer.get("token") or ""), str(answer.get("url") or "")
    if not TOKEN.match(token) or not url.startswith(("https://", "http://", "/")):
        raise ProviderUnavailable(detail=str(_("Webpay gave an answer we cannot use.")))
    with transaction.atomic():
        payment_services.do_start_provider_payment(payment_id=payment_id, provider=NAME, reference=token)
    return Redirect(url=url, token=token)


def handle_return(data: dict[str, str]) -> Outcome:
    """Webpay's return (GET or POST form): decide by which fields arrived, never by what we stored."""
    token_ws = (data.get("token_ws") or "").strip()
    tbk_token = (data.get("TBK_TOKEN") or "").strip()
    tbk_order = (data.get("TBK_ORDEN_COMPRA") or "").strip()
    tbk_session = (data.get("TBK_ID_SESION") or "").strip()
    if tbk_token:  # aborted by the shopper, or abnormal (both tokens): never commit
        return _aborted(tbk_token)
    if token_ws:
        return _completed(token_ws)
    if tbk_order and tbk_session:
        return _timed_out(tbk_order, tbk_session)
    return Outcome("malformed")


def _by_token(token: str) -> Payment | None:
    if not TOKEN.match(token):
        return None
    return Payment.objects.select_related("order").filter(provider=NAME, provider_ref=token).first()


def _settled(pay: Payment, token: str = "") -> Outcome:
    result = {"captured": "approved", "pending": "pending"}.get(str(pay.status), "rejected")
    return Outcome(result, payment_id=pay.public_id, order_id=pay.order.public_id, token=token)


# The events of a shopper who gave up (aborted on Webpay's page, let it time out) or never came back
# (the sweep): their order is cancelled as `payment_abandoned`, not as declined.
ABANDONED = ("abort:", "timeout:", "sweep:")


def _apply(pay: Payment, status: str, event_id: str) -> Outcome:
    from omnicanal.orders.services import payments as payment_services

    with transaction.atomic():
        payment_services.do_payment_event(provider=NAME, event_id=event_id, payment_id=pay.public_id, status=status,
                                          abandoned=event_id.startswith(ABANDONED))
    pay.refresh_from_db()
    outcome = _settled(pay)
    if status == "failed" and outcome.result == "rejected" and event_id.startswith(("abort:", "timeout:")):
        return Outcome("cancelled", payment_id=pay.public_id, order_id=pay.order.public_id)
    return outcome


def _aborted(token: str) -> Outcome:
    pay = _by_token(token)
    if pay is None:
        return Outcome("unknown")
    if pay.status != PaymentStatus.PENDING:
        return _settled(pay)  # a replay changes nothing
    return _apply(pay, "failed", f"abort:{token}")


def _completed(token: str) -> Outcome:
    pay = _by_token(token)
    if pay is None:
        return Outcome("unknown")  # forged, or replaced by a newer start: Webpay reverses what is never committed
    if pay.status != PaymentStatus.PENDING:
        return _settled(pay)  # replayed token_ws: no second commit, no second capture
    return _commit(pay, token)


def _timed_out(tbk_order: str, tbk_session: str) -> Outcome:
    """Only our own ids came back: anyone could send them, so Webpay's status decides, not the form."""
    if not BUY_ORDER.match(tbk_order):
        return Outcome("unknown")
    pay = Payment.objects.select_related("order").filter(provider=NAME, public_id=f"pay_{tbk_order}").first()
    if pay is None or pay.order.public_id != tbk_session or pay.provider_ref == pay.public_id:
        return Outcome("unknown")
    if pay.status != PaymentStatus.PENDING:
        return _settled(pay)
    return _decide_by_status(pay, pay.provider_ref, event_prefix="timeout")


def _commit(pay: Payment, token: str) -> Outcome:
    try:
        answer: dict | None = Client().commit(token)
    except WebpayUnavailable as exc:
        log.warning("webpay commit %s: %s", pay.public_id, exc)
        return Outcome("unavailable", payment_id=pay.public_id, order_id=pay.order.public_id, token=token)
    except WebpayRefused as exc:
        # e.g. committed already by a concurrent return, or too late: its status tells what happened
        log.warning("webpay refused commit %s: %s", pay.public_id, exc)
        return _decide_by_status(pay, token, event_prefix="commit")
    return _decide(pay, token, answer, event_prefix="commit")


def _decide_by_status(pay: Payment, token: str, *, event_prefix: str) -> Outcome:
    try:
        answer: dict | None = Client().status(token)
    except WebpayUnavailable as exc:
        log.warning("webpay status %s: %s", pay.public_id, exc)
        return Outcome("unavailable", payment_id=pay.public_id, order_id=pay.order.public_id, token=token)
    except WebpayRefused:
        answer = None  # Webpay no longer knows it as payable (expired, aborted)
    if answer and answer.get("status") == "AUTHORIZED" and event_prefix != "commit":
        return _commit(pay, token)  # paid but never committed (the shopper never came back): commit now
    return _decide(pay, token, answer, event_prefix=event_prefix)


def approved(pay: Payment, answer: dict[str, Any] | None) -> bool:
    """Webpay approved exactly what we asked: AUTHORIZED, response_code 0, our amount and ids."""
    if not answer or answer.get("status") != "AUTHORIZED" or answer.get("response_code") != 0:
        return False
    try:
        same_amount = Decimal(str(answer.get("amount"))) == pay.amount
    except ArithmeticError:
        same_amount = False
    return (same_amount and answer.get("buy_order") == buy_order(pay)
            and answer.get("session_id") == pay.order.public_id)


def _decide(pay: Payment, token: str, answer: dict | None, *, event_prefix: str) -> Outcome:
    if approved(pay, answer):
        return _apply(pay, "captured", f"{event_prefix}:{token}")
    if answer and answer.get("status") == "AUTHORIZED" and answer.get("response_code") == 0:
        # Authorized, but not what we asked (amount or ids differ): never captured; give it back.
        log.error("webpay answer for %s does not match ours: %s", pay.public_id,
                  {k: answer.get(k) for k in ("amount", "buy_order", "session_id")})
        _reverse(token, answer)
    return _apply(pay, "failed", f"{event_prefix}:{token}")


def _reverse(token: str, answer: dict) -> None:
    try:
        Client().refund(token, Decimal(str(answer.get("amount"))))
    except (WebpayError, ArithmeticError) as exc:
        log.error("webpay could not reverse %s: %s (staff must reverse it in Transbank's portal)", token, exc)


def sweep(now=None, limit: int = 200) -> int:
    """Payments nobody brought back after ABANDON_MINUTES: Webpay's status decides (a paid one is
    committed and captured); never started, expired or rejected ones fail and release their stock.
    Webpay silent: left for the next run. Returns how many were settled."""
    cfg = config()
    cutoff = (now or clock.now()) - timedelta(minutes=cfg.abandon_minutes)
    stale = list(Payment.objects.select_related("order").filter(provider=NAME, status=PaymentStatus.PENDING,
                                                                updated_at__lt=cutoff).order_by("pk")[:limit])
    settled = 0
    for pay in stale:
        if not pay.provider_ref or pay.provider_ref == pay.public_id:  # the shopper never reached Webpay
            outcome = _apply(pay, "failed", f"sweep:{pay.public_id}")
        else:
            outcome = _decide_by_status(pay, pay.provider_ref, event_prefix="sweep")
        settled += outcome.result in ("approved", "rejected", "cancelled")
    return settled
