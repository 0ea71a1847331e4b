"""A Webpay Oneclick Mall stand-in for the demo and the tests, so nothing leaves the machine: it
answers the same REST calls in the same JSON as Transbank (orders/oneclick.py cites the format)
through an in-process httpx transport, and renders Transbank's inscription page, played, at
/payments/sandbox/oneclick/inscription: the cardholder types a card number (the test Visa is
filled in) and saves it or cancels; the browser is sent back to the response URL with TBK_TOKEN, as
Transbank does. Charges to OMNICANAL["ONECLICK"]["REJECTED_CARD"] (the test Mastercard by default)
are declined. The status call (GET …/transactions/{buy_order}, what the charges' reconciliation
sweep asks) answers the authorization as it stands, or a 422 for a buy order never taken, as
Transbank does. Served only while the base URL is "sandbox", never in production. Its state lives in the
"sandbox" cache (web/settings.py: Redis when there is one, else files next to the database, so the
worker and every web process see them, across restarts)."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from omnicanal.orders import webpay_config as cfgs
from omnicanal.orders.webpay_sandbox import _error, _json, read_call

KEY = "orders:oneclick-sandbox:{}:{}"
TTL = 30 * 24 * 3600
PAGE = "/payments/sandbox/oneclick/inscription"
ROUTE = re.compile(r"^" + re.escape(cfgs.ONECLICK_API_PATH)
                   + r"/(?P<kind>inscriptions|transactions)(?:/(?P<ref>[A-Za-z0-9_-]{1,64})(?P<refunds>/refunds)?)?/?$")
DIGITS = re.compile(r"^[0-9]{13,19}$")


def _load(kind: str, ref: str) -> dict | None:
    return caches["sandbox"].get(KEY.format(kind, ref))


def _save(kind: str, ref: str, value: dict) -> None:
    caches["sandbox"].set(KEY.format(kind, ref), value, TTL)


def handle(request: httpx.Request) -> httpx.Response:
    """The REST side, checked like Transbank checks it (headers, lengths, known users)."""
    cfg = cfgs.oneclick_config()
    read = read_call(request, cfg, ROUTE)
    if isinstance(read, httpx.Response):
        return read
    match, body = read
    kind, ref, method = match["kind"], match["ref"], request.method
    if kind == "inscriptions":
        if ref is None and method == "POST":
            return _start(body)
        if ref is not None and method == "PUT":
            return _finish(ref)
        if ref is None and method == "DELETE":
            return _delete(body)
        return _error(405, "Method not allowed")
    if ref is None:
        return _authorize(body, cfg) if method == "POST" else _error(405, "Method not allowed")
    tx = _load("tx", ref)
    if tx is None:
        return _error(422, f"Invalid value for parameter: buy_order ({ref})")
    if match["refunds"]:
        return _refund(tx, body) if method == "POST" else _error(405, "Method not allowed")
    return _json(200, tx["answer"]) if method == "GET" else _error(405, "Method not allowed")


def _start(body: dict) -> httpx.Response:
    username, email, url = (str(body.get(k) or "") for k in ("username", "email", "response_url"))
    if not (0 < len(username) <= cfgs.USERNAME_MAX and 0 < len(email) <= cfgs.EMAIL_MAX
            and 0 < len(url) <= cfgs.RESPONSE_URL_MAX):
        return _error(422, "username, email and response_url are required (40, 100 and 255 characters at most)")
    token = secrets.token_hex(32)
    _save("ins", token, {"token": token, "username": username, "email": email, "response_url": url,
                         "decision": "", "card_number": "", "finished": False})
    return _json(200, {"token": token, "url_webpay": PAGE})


def _card_type(number: str) -> str:
    return {"4": "Visa", "5": "Mastercard", "3": "AmericanExpress"}.get(number[:1], "Redcompra")


def _finish(token: str) -> httpx.Response:
    ins = _load("ins", token)
    if ins is None or ins["finished"]:
        return _error(422, f"Invalid value for parameter: token ({token})")
    ins["finished"] = True
    _save("ins", token, ins)
    if ins["decision"] != "save":  # cancelled on the page (or never completed): rejected, no user
        return _json(200, {"response_code": -1, "tbk_user": None, "authorization_code": None,
                           "card_type": None, "card_number": None})
    tbk_user = str(uuid.uuid4())  # 36 characters, like Transbank's
    _save("user", tbk_user, {"username": ins["username"], "card_number": ins["card_number"]})
    return _json(200, {"response_code": 0, "tbk_user": tbk_user, "authorization_code": "1213",
                       "card_type": _card_type(ins["card_number"]),
                       "card_number": "X" * (len(ins["card_number"]) - 4) + ins["card_number"][-4:]})


def _delete(body: dict) -> httpx.Response:
    tbk_user, username = str(body.get("tbk_user") or ""), str(body.get("username") or "")
    user = _load("user", tbk_user) if tbk_user else None
    if user is None or user["username"] != username:
        return _error(422, "Invalid value for parameter: tbk_user")
    caches["sandbox"].delete(KEY.format("user", tbk_user))
    return _json(204, None)


def _authorize(body: dict, cfg: cfgs.OneclickConfig) -> httpx.Response:
    username, tbk_user, buy_order = (str(body.get(k) or "") for k in ("username", "tbk_user", "buy_order"))
    details = body.get("details")
    if not (0 < len(buy_order) <= cfgs.BUY_ORDER_MAX) or not isinstance(details, list) or not details:
        return _error(422, "buy_order and details are required")
    if _load("tx", buy_order) is not None:
        return _error(422, "Invalid value for parameter: buy_order (already used)")
    user = _load("user", tbk_user)
    if user is None or user["username"] != username:
        return _error(422, "Invalid value for parameter: tbk_user")
    declined = user["card_number"] == cfg.rejected_card
    now = datetime.now(UTC)
    out = []
    for d in details:
        amount = d.get("amount") if isinstance(d, dict) else None
        if not isinstance(amount, int | float) or amount <= 0 or str(d.get("commerce_code")) != cfg.child_commerce_code:
            return _error(422, "Invalid value for parameter: details")
        out.append({"amount": amount, "status": "FAILED" if declined else "AUTHORIZED",
                    "authorization_code": "000000" if declined else "1213", "payment_type_code": "VN",
                    "response_code": -1 if declined else 0, "installments_number": d.get("installments_number", 1),
                    "commerce_code": d["commerce_code"], "buy_order": str(d.get("buy_order") or ""),
                    "balance": amount})
    answer = {"buy_order": buy_order, "card_detail": {"card_number": user["card_number"][-4:]},
              "accounting_date": now.strftime("%m%d"), "transaction_date": now.isoformat().replace("+00:00", "Z"),
              "details": out}
    _save("tx", buy_order, {"answer": answer})
    return _json(200, answer)


def _refund(tx: dict, body: dict) -> httpx.Response:
    amount, child = body.get("amount"), str(body.get("detail_buy_order") or "")
    detail = next((d for d in tx["answer"]["details"] if d["buy_order"] == child
                   and str(d["commerce_code"]) == str(body.get("commerce_code"))), None)
    if detail is None or detail["status"] not in ("AUTHORIZED", "PARTIALLY_NULLIFIED"):
        return _error(422, "Transaction cannot be refunded")
    if not isinstance(amount, int | float) or amount <= 0 or amount > detail["balance"]:
        return _error(422, "Invalid value for parameter: amount")
    whole = amount == detail["amount"] == detail["balance"]
    detail["balance"] -= amount
    detail["status"] = "REVERSED" if whole else ("NULLIFIED" if detail["balance"] == 0 else "PARTIALLY_NULLIFIED")
    _save("tx", tx["answer"]["buy_order"], tx)
    if whole:
        return _json(200, {"type": "REVERSED"})
    return _json(200, {"type": "NULLIFIED", "authorization_code": "123456", "nullified_amount": amount,
                       "balance": detail["balance"], "response_code": 0,
                       "authorization_date": datetime.now(UTC).isoformat().replace("+00:00", "Z")})


# --- the inscription page ----------------------------------------------------------------------------


def _only_in_sandbox() -> None:
    cfg = cfgs.oneclick_config()
    if not cfg.sandbox or cfg.sandbox_refused:
        raise Http404


def _open(token: str) -> dict | None:
    ins = _load("ins", token) if cfgs.TOKEN.match(token or "") else None
    return ins if ins is not None and not ins["decision"] and not ins["finished"] else None


@csrf_exempt  # like Transbank's page, it is reached by our redirect form, which carries only TBK_TOKEN
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest) -> HttpResponse:
    """Transbank's inscription form, played (it only renders; its own form is CSRF-protected)."""
    _only_in_sandbox()
    ins = _open((request.POST.get("TBK_TOKEN") or request.GET.get("TBK_TOKEN") or "").strip())
    if ins is None:
        raise Http404
    return render(request, "orders/oneclick/sandbox.html", {
        "title": _("Oneclick sandbox"), "ins": ins, "card": cfgs.TEST_CARD, "rejected": cfgs.oneclick_config().rejected_card})


def _decide(token: str, ins: dict, choice: str, number: str) -> None:
    ins.update(decision=choice, card_number=number if choice == "save" else "")
    _save("ins", token, ins)


def type_card(token: str, number: str = cfgs.TEST_CARD) -> bool:
    """The cardholder types `number` and saves it on the inscription `token`'s page, played without a
    browser (the demo's saved card). False when no such inscription is open, or not in the sandbox."""
    cfg = cfgs.oneclick_config()
    ins = _open(token) if cfg.sandbox and not cfg.sandbox_refused else None
    if ins is None or not DIGITS.match(number):
        return False
    _decide(token, ins, "save", number)
    return True


@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    """Save the typed card (digits only, 13 to 19) or cancel; back to the response URL with TBK_TOKEN."""
    _only_in_sandbox()
    token = request.POST.get("TBK_TOKEN", "")
    ins = _open(token)
    choice = request.POST.get("choice", "")
    number = re.sub(r"[\s-]", "", request.POST.get("card_number", ""))
    if ins is None or choice not in ("save", "cancel"):
        raise Http404
    if choice == "save" and not DIGITS.match(number):
        return render(request, "orders/oneclick/sandbox.html", {
            "title": _("Oneclick sandbox"), "ins": ins, "card": number, "rejected": cfgs.oneclick_config().rejected_card,
            "error": _("Type the card's 13 to 19 digits.")}, status=422)
    _decide(token, ins, choice, number)
    joiner = "&" if "?" in ins["response_url"] else "?"
    return HttpResponseRedirect(f"{ins['response_url']}{joiner}{urlencode({'TBK_TOKEN': token})}")
