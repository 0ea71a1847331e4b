"""The orders' routes at the site root, outside the console: the test card provider's webhook
(POST /webhooks/payments/testpay, HMAC-SHA256 signed), the customer's signed return-label link
(GET /returns/label/<token>/, no sign-in), and Webpay Plus's round trip (orders/webpay.py): the
shop's signed pay link (/payments/webpay/pay/<signed>/), Webpay's return (/payments/webpay/return,
GET or POST, CSRF-exempt: Webpay's own page posts it) and the demo's sandbox page (webpay_sandbox.py);
Oneclick's inscription return (/payments/oneclick/return, orders/oneclick.py) and its sandbox page."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from omnicanal.core import throttle
from omnicanal.core.errors import Problem
from omnicanal.core.ids import external_key
from omnicanal.core.middleware import problem_response
from omnicanal.core.request_limits import is_json, loads
from omnicanal.core.security_headers import policy
from omnicanal.orders import oneclick_sandbox, providers, services, views, webpay, webpay_sandbox


@csrf_exempt
@require_POST
@throttle.rate_limited("webhook", lambda request: f"{throttle.client_address(request)} {request.path}")
def testpay(request: HttpRequest) -> HttpResponse:
    if not providers.verify(request.body, request.headers.get("X-Testpay-Signature", "")):
        return JsonResponse({"detail": "bad signature"}, status=401)
    if not is_json(request.content_type):
        return JsonResponse({"detail": "send application/json"}, status=415)
    try:
        event = loads(request.body)
        status = str(event["type"]).removeprefix("payment.")
        with transaction.atomic():
            payment = services.do_payment_event(provider="testpay", event_id=external_key(str(event["id"]), 100),
                                                payment_id=str(event["payment"]), status=status)
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "malformed"}, status=400)
    except Problem as problem:
        return problem_response(problem, request)
    return JsonResponse({"ok": True, "status": payment.status if payment else "replayed"})


RESULT_TEXT = {
    "unknown": (gettext_lazy("We do not know this payment"),
                gettext_lazy("The link you followed does not belong to any payment of ours.")),
    "malformed": (gettext_lazy("Incomplete payment answer"),
                  gettext_lazy("The payment page sent us back without the payment's details.")),
    "unavailable": (gettext_lazy("We could not confirm your payment yet"),
                    gettext_lazy("Webpay did not answer in time. Nothing was charged twice: try again in a moment.")),
}


def _webpay_page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, f"orders/webpay/{template}", {"title": _("Card payment"), **context}, status=status)


@csrf_exempt  # Webpay's page posts here, without our CSRF token; the token it brings is the proof
@require_http_methods(["GET", "POST"])
@throttle.rate_limited("webhook", lambda request: f"{throttle.client_address(request)} {request.path}")
def webpay_return(request: HttpRequest) -> HttpResponse:
    """Webpay sends the shopper back: commit (or not), then on to the shop's page in our signed `next`."""
    fields = {**request.GET.dict(), **(request.POST.dict() if request.method == "POST" else {})}
    next_path = webpay.read_next(request.GET.get("next", ""))
    try:
        outcome = webpay.handle_return(fields)
    except Problem as problem:
        return _webpay_page(request, "result.html", {"heading": problem.title, "text": problem.detail,
                                                     "next": next_path}, status=problem.status)
    if outcome.http_status != 302:
        heading, text = RESULT_TEXT[outcome.result]
        return _webpay_page(request, "result.html", {"heading": heading, "text": text, "next": next_path,
                                                     "retry_token": outcome.token, "retry_action": request.get_full_path()},
                            status=outcome.http_status)
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = "/"
    joiner = "&" if "?" in next_path else "?"
    return HttpResponseRedirect(f"{next_path}{joiner}{urlencode({'payment': outcome.result})}")


@require_http_methods(["GET", "POST"])
def webpay_pay(request: HttpRequest, signed: str) -> HttpResponse:
    """The shop's pay link: GET shows what is paid; POST opens the Webpay transaction and sends the
    browser there with a form POST of token_ws (our CSP lets that one form leave for Webpay's host)."""
    try:
        payment_id, next_path = webpay.read_pay_link(signed)
        pending = webpay.pending_payment(payment_id)
        if request.method == "GET":
            return _webpay_page(request, "pay.html", {"pending": pending})
        redirect = webpay.start(payment_id, next_path=next_path, return_base=request.build_absolute_uri("/"))
    except Problem as problem:
        return _webpay_page(request, "result.html", {"heading": problem.title, "text": problem.detail, "next": "/"},
                            status=problem.status)
    response = _webpay_page(request, "redirect.html", {"redirect": redirect})
    target = urlsplit(redirect.url)
    if target.scheme and target.netloc:
        nonce = getattr(request, "csp_nonce", "")
        response["Content-Security-Policy"] = policy(nonce, request).replace(
            "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}")
    return response


@csrf_exempt  # Transbank's page posts TBK_TOKEN here without our CSRF token; the token is the proof
@require_http_methods(["GET", "POST"])
@throttle.rate_limited("webhook", lambda request: f"{throttle.client_address(request)} {request.path}")
def oneclick_return(request: HttpRequest) -> HttpResponse:
    """Transbank sends the cardholder back from the inscription page: keep the card (or not), then
    on to the shop's page in our signed `next` with card=saved|failed."""
    token = (request.POST.get("TBK_TOKEN") or request.GET.get("TBK_TOKEN") or "").strip()
    next_path = webpay.read_next(request.GET.get("next", ""))
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()}):
        next_path = "/"
    try:
        services.do_finish_card_inscription(token=token)
        result = "saved"
    except Problem as problem:
        if problem.status in (404, 503):
            return _webpay_page(request, "result.html", {"heading": problem.title, "text": problem.detail,
                                                         "next": next_path}, status=problem.status)
        result = "failed"
    path_part, hash_mark, fragment = next_path.partition("#")  # the query goes before a #fragment
    joiner = "&" if "?" in path_part else "?"
    return HttpResponseRedirect(f"{path_part}{joiner}{urlencode({'card': result})}{hash_mark}{fragment}")


urlpatterns = [
    path("payments/oneclick/return", oneclick_return, name="orders-oneclick-return"),
    path("payments/sandbox/oneclick/inscription", oneclick_sandbox.page, name="orders-oneclick-sandbox"),
    path("payments/sandbox/oneclick/decide", oneclick_sandbox.decide, name="orders-oneclick-sandbox-decide"),
    path("payments/webpay/return", webpay_return, name="orders-webpay-return"),
    path("payments/webpay/pay/<str:signed>/", webpay_pay, name="orders-webpay-pay"),
    path("payments/sandbox/webpay/pay", webpay_sandbox.page, name="orders-webpay-sandbox"),
    path("payments/sandbox/webpay/decide", webpay_sandbox.decide, name="orders-webpay-sandbox-decide"),
    path("webhooks/payments/testpay", testpay, name="orders-testpay"),
    path("returns/label/<str:token>/", views.return_label_public, name="orders-return-label"),
]
