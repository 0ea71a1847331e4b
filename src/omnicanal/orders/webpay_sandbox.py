"""A Webpay Plus stand-in for the demo, so nothing leaves the machine: it answers the same REST calls
in the same JSON as Transbank (orders/webpay.py cites the format) through an in-process httpx
transport, and renders a tiny hosted page at /payments/sandbox/webpay/ with "Approve", "Reject" and
"Cancel" buttons that send the shopper back exactly as Webpay does (token_ws, or TBK_TOKEN +
TBK_ORDEN_COMPRA + TBK_ID_SESION when cancelled). Served only while OMNICANAL["WEBPAY"]["BASE_URL"]
is "sandbox", and never in production (OMNICANAL_ENV=production): there it would hand out free goods. Its transactions live in the "sandbox" cache (web/settings.py: Redis when there is one, else files next to the
database, so the worker and every web process see them, across restarts).
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from omnicanal.orders import webpay_config as webpay

KEY = "orders:webpay-sandbox:{}"
TTL = 24 * 3600
PAGE = "/payments/sandbox/webpay/pay"
ROUTE = re.compile(r"^" + re.escape(webpay.API_PATH) + r"(?:/(?P<token>[A-Za-z0-9]{1,64})(?P<refunds>/refunds)?)?/?$")


def _load(token: str) -> dict | None:
    return caches["sandbox"].get(KEY.format(token))


def _save(tx: dict) -> None:
    caches["sandbox"].set(KEY.format(tx["token"]), tx, TTL)


def _json(status: int, body: dict | None) -> httpx.Response:
    if body is None:
        return httpx.Response(status)
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def _error(status: int, message: str) -> httpx.Response:
    return _json(status, {"error_message": message})


def read_call(request: httpx.Request, cfg, route: re.Pattern) -> tuple[re.Match, dict] | httpx.Response:
    """Transbank's first checks on any call (Webpay Plus, Oneclick Mall): its keys, a known path, a JSON
    body; else the error answer to send."""
    if (request.headers.get("Tbk-Api-Key-Id") != cfg.commerce_code
            or request.headers.get("Tbk-Api-Key-Secret") != cfg.api_key):
        return _error(401, "Not Authorized")
    match = route.match(request.url.path)
    if match is None:
        return _error(404, "Not found")
    try:
        body = json.loads(request.content) if request.content else {}
    except ValueError:
        return _error(400, "Invalid JSON")
    return match, body


def handle(request: httpx.Request) -> httpx.Response:
    """The REST side: POST create, PUT commit, GET status, POST refunds — checked like Webpay checks them."""
    read = read_call(request, webpay.config(), ROUTE)
    if isinstance(read, httpx.Response):
        return read
    match, body = read
    token, refunds = match["token"], match["refunds"]
    if token is None:
        return _create(body) if request.method == "POST" else _error(405, "Method not allowed")
    tx = _load(token)
    if tx is None:
        return _error(422, f"Invalid value for parameter: token ({token})")
    if refunds:
        return _refund(tx, body) if request.method == "POST" else _error(405, "Method not allowed")
    if request.method == "PUT":
        return _commit(tx)
    if request.method == "GET":
        return _json(200, _answer(tx))
    return _error(405, "Method not allowed")


def _create(body: dict) -> httpx.Response:
    buy_order, session_id, return_url = (str(body.get(k) or "") for k in ("buy_order", "session_id", "return_url"))
    amount = body.get("amount")
    if not (0 < len(buy_order) <= 26 and 0 < len(session_id) <= 61 and 0 < len(return_url) <= 255):
        return _error(422, "buy_order, session_id and return_url are required (26, 61 and 255 characters at most)")
    if not isinstance(amount, int | float) or amount <= 0:
        return _error(422, "Invalid value for parameter: amount")
    token = secrets.token_hex(32)  # 64 hexadecimal characters, like Webpay's
    _save({"token": token, "buy_order": buy_order, "session_id": session_id, "amount": amount,
           "return_url": return_url, "status": "INITIALIZED", "decision": "", "committed": False,
           "balance": amount, "created": datetime.now(UTC).isoformat()})
    return _json(200, {"token": token, "url": PAGE})  # on our own site: the CSP's form-action 'self' allows it


def _answer(tx: dict) -> dict:
    approved = tx["decision"] == "approve"
    now = datetime.fromisoformat(tx["created"])
    answer = {
        "vci": "TSY" if approved else ("TSN" if tx["decision"] == "reject" else ""),
        "amount": tx["amount"], "status": tx["status"], "buy_order": tx["buy_order"],
        "session_id": tx["session_id"], "card_detail": {"card_number": "6623"},
        "accounting_date": now.strftime("%m%d"), "transaction_date": now.isoformat().replace("+00:00", "Z"),
        "authorization_code": "1213" if approved else "000000", "payment_type_code": "VN",
        "response_code": 0 if approved else -1, "installments_number": 0,
    }
    if tx["status"] in ("NULLIFIED", "PARTIALLY_NULLIFIED", "REVERSED"):
        answer["balance"] = tx["balance"]
    return answer


def _commit(tx: dict) -> httpx.Response:
    if tx["committed"]:
        return _error(422, "Invalid status '2' for transaction while authorizing. Commerce has already committed it")
    if tx["decision"] not in ("approve", "reject"):
        return _error(422, "Invalid status '0' for transaction while authorizing")
    tx["committed"] = True
    tx["status"] = "AUTHORIZED" if tx["decision"] == "approve" else "FAILED"
    _save(tx)
    return _json(200, _answer(tx))


def _refund(tx: dict, body: dict) -> httpx.Response:
    amount = body.get("amount")
    if tx["status"] not in ("AUTHORIZED", "PARTIALLY_NULLIFIED") or not isinstance(amount, int | float):
        return _error(422, "Transaction cannot be refunded")
    if amount <= 0 or amount > tx["balance"]:
        return _error(422, "Invalid value for parameter: amount")
    if amount == tx["amount"] and tx["balance"] == tx["amount"]:
        tx.update(status="REVERSED", balance=0)
        _save(tx)
        return _json(200, {"type": "REVERSED"})
    tx["balance"] -= amount
    tx["status"] = "NULLIFIED" if tx["balance"] == 0 else "PARTIALLY_NULLIFIED"
    _save(tx)
    return _json(200, {"type": "NULLIFIED", "authorization_code": "123456",
                       "authorization_date": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                       "nullified_amount": amount, "balance": tx["balance"], "response_code": 0})


# --- the hosted page ---------------------------------------------------------------------------------


def _only_in_sandbox() -> None:
    cfg = webpay.config()
    if not cfg.sandbox or cfg.sandbox_refused:
        raise Http404


@csrf_exempt  # like Webpay's page, it is reached by our redirect form, which carries only token_ws
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest) -> HttpResponse:
    """Webpay's form, played: the shopper arrives with token_ws (a form POST, like Webpay's). It only
    renders; the buttons' form (decide) is CSRF-protected as any page of ours."""
    _only_in_sandbox()
    token = (request.POST.get("token_ws") or request.GET.get("token_ws") or "").strip()
    tx = _load(token) if webpay.TOKEN.match(token) else None
    if tx is None or tx["status"] != "INITIALIZED" or tx["decision"]:
        raise Http404
    return render(request, "orders/webpay/sandbox.html", {"title": _("Webpay sandbox"), "tx": tx})


@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    """The shopper's button: approve or reject (Webpay then sends token_ws back), or cancel (TBK_TOKEN)."""
    _only_in_sandbox()
    token = request.POST.get("token_ws", "")
    choice = request.POST.get("choice", "")
    tx = _load(token) if webpay.TOKEN.match(token) else None
    if tx is None or tx["decision"] or choice not in ("approve", "reject", "cancel"):
        raise Http404
    tx["decision"] = choice
    if choice == "cancel":
        tx["status"] = "FAILED"
        fields = {"TBK_TOKEN": token, "TBK_ORDEN_COMPRA": tx["buy_order"], "TBK_ID_SESION": tx["session_id"]}
    else:
        fields = {"token_ws": token}
    _save(tx)
    joiner = "&" if "?" in tx["return_url"] else "?"
    return HttpResponseRedirect(f"{tx['return_url']}{joiner}{urlencode(fields)}")
