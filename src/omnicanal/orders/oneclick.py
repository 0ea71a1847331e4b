"""Stored cards through Transbank Webpay Oneclick Mall, its REST API v1.2: the cardholder enrols a
card once on Transbank's page (an "inscription"); we keep only Transbank's `tbk_user` for it and
later charge it without the cardholder present (a subscription's cycle). The writers are in
services/cards.py; this module is the wire: the client, the answers' checks and the provider.

The wire format, as Transbank documents it (checked with the search tool, December 2026):
- https://www.transbankdevelopers.cl/documentacion/oneclick and /referencia/oneclick: Oneclick runs
  only as a Mall (a mall commerce code authenticates; each payment detail names a store's child
  commerce code); the same hosts and the same Tbk-Api-Key-Id / Tbk-Api-Key-Secret headers as Webpay
  Plus (webpay.py). The inscription must be started for a signed-in customer.
- TransbankDevelopers/transbank-sdk-python webpay/oneclick/mall_inscription.py and schema.py:
  POST {base}/inscriptions {username, email, response_url} → {token, url_webpay}; the browser is sent
  to url_webpay by a form POST of TBK_TOKEN; Transbank then POSTs TBK_TOKEN to response_url;
  PUT {base}/inscriptions/{token} → {response_code, tbk_user, authorization_code, card_type,
  card_number} (card_number masked: only its last four digits are real);
  DELETE {base}/inscriptions {tbk_user, username} → 204.
- mall_transaction.py: POST {base}/transactions {username, tbk_user, buy_order, details: [{commerce_code,
  buy_order, amount, installments_number}]} → {buy_order, card_detail: {card_number}, accounting_date,
  transaction_date, details: [{amount, status, authorization_code, payment_type_code, response_code,
  installments_number, commerce_code, buy_order}]}; GET {base}/transactions/{buy_order} the same
  answer (status); POST {base}/transactions/{buy_order}/refunds {commerce_code, detail_buy_order,
  amount} → {type: REVERSED | NULLIFIED, …}. Limits (common/api_constants.py): username and tbk_user
  40, email 100, buy_order 26, response_url 255 characters.
- The integration credentials: mall 597055555541, its store 597055555542, the Webpay API key; test
  cards: Visa 4051 8856 0044 6623 approves, Mastercard 5186 0595 5959 0568 is declined.
A charge is approved when its one detail is AUTHORIZED with response_code 0, for our amount, buy
order and store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
from django.utils.translation import gettext_lazy as _

from omnicanal.core.errors import Problem
from omnicanal.orders import providers
from omnicanal.orders.providers import Provider
from omnicanal.orders.webpay_config import ONECLICK_API_PATH, OneclickConfig, oneclick_config
from omnicanal.orders.webpay_wire import (
    TransbankClient,
    WebpayError,
    WebpayRefused,
    WebpayUnavailable,
    wire_amount,
)

log = logging.getLogger(__name__)

NAME = "oneclick"
RETURN_PATH = "/payments/oneclick/return"


class CardNotSaved(Problem):
    status = 409
    slug = "card-not-saved"
    title = _("The card was not saved")


class OneclickClient(TransbankClient):
    """Oneclick Mall REST v1.2; the sandbox (oneclick_sandbox.py) answers in process."""

    api_path = ONECLICK_API_PATH
    sandbox_host = "http://oneclick.sandbox"
    base_url_setting = "ONECLICK BASE_URL"

    def __init__(self, cfg: OneclickConfig | None = None):
        super().__init__(cfg)

    def default_config(self) -> OneclickConfig:
        return oneclick_config()

    def sandbox_handler(self) -> Callable[[httpx.Request], httpx.Response]:
        from omnicanal.orders import oneclick_sandbox

        return oneclick_sandbox.handle

    def start_inscription(self, *, username: str, email: str, response_url: str) -> dict:
        return self._call("POST", "/inscriptions", {"username": username, "email": email,
                                                    "response_url": response_url})

    def finish_inscription(self, token: str) -> dict:
        return self._call("PUT", f"/inscriptions/{token}")

    def delete_inscription(self, *, tbk_user: str, username: str) -> dict:
        return self._call("DELETE", "/inscriptions", {"tbk_user": tbk_user, "username": username})

    def authorize(self, *, username: str, tbk_user: str, buy_order: str, amount: Decimal) -> dict:
        detail = {"commerce_code": self.cfg.child_commerce_code, "buy_order": buy_order,
                  "amount": wire_amount(amount), "installments_number": 1}
        return self._call("POST", "/transactions", {"username": username, "tbk_user": tbk_user,
                                                    "buy_order": buy_order, "details": [detail]})

    def status(self, buy_order: str) -> dict:
        return self._call("GET", f"/transactions/{buy_order}")

    def refund(self, *, buy_order: str, amount: Decimal) -> dict:
        return self._call("POST", f"/transactions/{buy_order}/refunds", {
            "commerce_code": self.cfg.child_commerce_code, "detail_buy_order": buy_order,
            "amount": wire_amount(amount)})


def charge_approved(answer: dict[str, Any] | None, *, buy_order: str, amount: Decimal, child_code: str) -> bool:
    """Transbank approved exactly what we asked: one detail, AUTHORIZED, response_code 0, ours."""
    details = (answer or {}).get("details")
    if not isinstance(details, list) or len(details) != 1 or not isinstance(details[0], dict):
        return False
    detail = details[0]
    try:
        same_amount = Decimal(str(detail.get("amount"))) == amount
    except ArithmeticError:
        same_amount = False
    return (detail.get("status") == "AUTHORIZED" and detail.get("response_code") == 0 and same_amount
            and detail.get("buy_order") == buy_order and str(detail.get("commerce_code")) == child_code
            and (answer or {}).get("buy_order") == buy_order)


def reverse(buy_order: str, amount: Decimal) -> None:
    """Give back a charge we will not keep (our side failed after Transbank approved, or it did not
    answer and may have). Best effort: what fails here is logged for staff to reverse by hand."""
    try:
        OneclickClient().refund(buy_order=buy_order, amount=amount)
    except WebpayError as exc:
        log.error("oneclick could not reverse %s: %s (reverse it in Transbank's portal if it was charged)",
                  buy_order, exc)


class Oneclick(Provider):
    """Pending at placement; captured or failed after the placement committed, by
    services.do_charge_stored_card or its reconciliation sweep (services/card_charges.py)."""

    name = NAME

    def authorize(self, payment) -> str:
        return "pending"

    def refund(self, payment, amount) -> None:
        """Runs inside do_refund's transaction: a refusal or silence rolls the refund back."""
        from omnicanal.core.errors import InvalidTransition
        from omnicanal.orders.webpay_wire import ProviderUnavailable

        try:
            OneclickClient().refund(buy_order=payment.public_id.removeprefix("pay_"), amount=Decimal(amount))
        except WebpayUnavailable as exc:
            raise ProviderUnavailable(detail=str(_("Transbank did not answer the refund; try again."))) from exc
        except WebpayRefused as exc:
            raise InvalidTransition(detail=str(_("Transbank refused the refund: %(why)s")) % {"why": exc}) from exc


providers.register(Oneclick())
