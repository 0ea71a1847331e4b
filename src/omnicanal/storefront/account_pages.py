"""The shopper's own pages: sign-in with a one-time code, the cart, the account's home.

Forms POST and redirect (no JavaScript needed). A device gets its session cookie (auth.COOKIE) the
first time it needs one: a line in the cart or a sign-in code. Each write is one transaction.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from omnicanal.core import throttle
from omnicanal.core.errors import Problem, TooManyRequests, ValidationFailed
from omnicanal.customers import queries as customers_queries
from omnicanal.orders import queries as orders_queries
from omnicanal.storefront import auth, browsing, queries, services
from omnicanal.storefront.queries import Shopper
from omnicanal.storefront.shell import render_shop, shopper_channel

MAX_QUANTITY = 99  # per line on the page's quantity field (the order book allows more)


def _problem_text(problem: Problem) -> str:
    if problem.errors:
        return "; ".join(str(e.message) for e in problem.errors)
    return str(problem.detail or problem.title)


def _ensure_shopper(request: HttpRequest) -> tuple[Shopper, str]:
    """The device's shopper, starting a session (and its cookie's token) when it has none yet."""
    shopper = auth.shopper_from_cookie(request)
    if shopper is not None:
        return shopper, ""
    started = services.do_start_session(channel="web")
    shopper = queries.shopper_for_token(started.token)
    assert shopper is not None  # just made
    request.shopper = shopper  # type: ignore[attr-defined]
    return shopper, started.token


def _redirect(to: str, token: str = "") -> HttpResponse:
    response = HttpResponseRedirect(to)
    if token:
        auth.set_cookie(response, token)
    return response


def _safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return fallback


def _address_fields(raw: str) -> dict[str, str]:
    raw = (raw or "").strip()
    return {"email": raw} if "@" in raw else {"phone": raw}


# --- sign-in --------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step one: the address (an email or a mobile number); POST sends the code and shows step two."""
    next_url = _safe_next(request, reverse("shop-account"))
    shopper = auth.shopper_from_cookie(request)
    if request.method != "POST" and shopper is not None and shopper.signed_in:
        return HttpResponseRedirect(next_url)
    context = {"title": pgettext("shop", "Sign in"), "next": next_url, "address": request.POST.get("address", "")}
    if request.method != "POST":
        return render_shop(request, "storefront/account/sign_in.html", context)
    shopper, token = _ensure_shopper(request)
    try:
        with transaction.atomic():
            services.do_request_code(session_id=shopper.session_id, client_address=throttle.client_address(request),
                                     **_address_fields(context["address"]))
    except (ValidationFailed, TooManyRequests) as problem:
        context["error"] = _problem_text(problem)
        response = render_shop(request, "storefront/account/sign_in.html", context,
                               status=problem.status)
    else:
        response = render_shop(request, "storefront/account/verify.html", context)
    if token:
        auth.set_cookie(response, token)
    return response


@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Step two: the code; the right one signs the device in and its cart joins the customer's."""
    next_url = _safe_next(request, reverse("shop-account"))
    address = request.POST.get("address", "")
    context = {"title": _("Enter your code"), "next": next_url, "address": address}
    shopper = auth.shopper_from_cookie(request)
    if shopper is None:
        context["error"] = _("Your session has ended. Ask for a new code.")
        return render_shop(request, "storefront/account/sign_in.html", context, status=401)
    try:
        with transaction.atomic():
            services.do_verify_code(session_id=shopper.session_id, code=request.POST.get("code", ""),
                                    **_address_fields(address))
            token = services.do_rotate_token(session_id=shopper.session_id)
    except Problem as problem:
        context["error"] = _problem_text(problem)
        return render_shop(request, "storefront/account/verify.html", context, status=problem.status)
    messages.success(request, _("You are signed in."))
    return _redirect(next_url, token)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    if shopper is not None:
        with transaction.atomic():
            services.do_sign_out(session_id=shopper.session_id)
    response = HttpResponseRedirect(reverse("shop-home"))
    auth.clear_cookie(response)
    return response


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    if shopper is not None and shopper.signed_in:
        with transaction.atomic():
            services.do_sign_out_everywhere(session_id=shopper.session_id)
    response = HttpResponseRedirect(reverse("shop-home"))
    auth.clear_cookie(response)
    return response


# --- cart -----------------------------------------------------------------------------------------


@require_safe
def cart(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    found = orders_queries.cart_dict(orders_queries.get_cart(shopper.cart_id)) if shopper and shopper.cart_id else None
    lines = found["lines"] if found else []
    return render_shop(request, "storefront/account/cart.html", {
        "title": _("Your cart"), "cart": found, "lines": lines, "max_quantity": MAX_QUANTITY,
        "short": any(not line["in_stock"] for line in lines),
        "recommended": browsing.recommended(request, channel=shopper_channel(request), context="cart",
                                            cart_skus=tuple(line["sku"] for line in lines)) if lines else [],
    })


@require_POST
def cart_line(request: HttpRequest) -> HttpResponse:
    """Set a line (product pages post here too: sku, quantity, next)."""
    next_url = _safe_next(request, reverse("shop-cart"))
    try:
        quantity = int(request.POST.get("quantity", ""))
    except ValueError:
        quantity = -1
    shopper, token = _ensure_shopper(request)
    try:
        with transaction.atomic():
            if not 0 <= quantity <= MAX_QUANTITY:
                raise ValidationFailed.on("quantity", _("must be from 0 to %(max)d") % {"max": MAX_QUANTITY})
            services.do_set_cart_line(shopper=shopper, sku=request.POST.get("sku", "").strip(), quantity=quantity)
    except Problem as problem:
        messages.error(request, _problem_text(problem))
    else:
        messages.success(request, _("Your cart was updated.") if quantity else _("The line was removed."))
    return _redirect(next_url, token)


# --- account --------------------------------------------------------------------------------------


@require_safe
def account(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    if shopper is None or not shopper.signed_in:
        return HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': request.get_full_path()})}")
    customer = customers_queries.customer_summary(shopper.customer_id)
    return render_shop(request, "storefront/account/home.html", {
        "title": _("Your account"),
        "customer_name": customer.name,
        "orders": [(order, orders_queries.tracking_url(order.public_id))
                   for order in orders_queries.customer_orders(shopper.customer_id, limit=20)],
        "devices": queries.sessions_of(shopper.customer_id),
        "time_zone": customer.time_zone or settings.OMNICANAL["TIME_ZONE"],
    })
