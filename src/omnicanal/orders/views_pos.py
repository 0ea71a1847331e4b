"""The till (POS / mPOS), phone first: find products by name, SKU or barcode (typed or through the
camera), set quantities, find or create the customer and see their tier, points and store credit,
take several tenders at once (till.py), return or exchange at the desk.

The sale lives in the clerk's session until it is sold. Without JavaScript the Sell form posts here
(`op=sell`); with it, pos.js places the order through `POST /api/v1/orders` with an Idempotency-Key
kept in the device's IndexedDB, so a sale keyed while the network is down is placed once when it
returns, then tells this page (`op=sold`) to take the sold lines out of the session's sale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from omnicanal.catalog import queries as catalog_queries
from omnicanal.core import clock
from omnicanal.core.auth import require_location
from omnicanal.core.console import show_problem
from omnicanal.core.errors import FieldError, NotFound, Problem, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers
from omnicanal.customers import services as customer_services
from omnicanal.inventory import queries as inventory
from omnicanal.loyalty import presence as loyalty_presence
from omnicanal.loyalty import queries as loyalty
from omnicanal.orders import pricing, queries, services, till, visibility

POS_SESSION = "orders_pos"
POS_PRESENCE = dt.timedelta(minutes=10)  # a scanned loyalty QR proves the customer is at the till this long
MAX_FOUND = 8


def _pos_state(request: HttpRequest) -> dict:
    state = request.session.get(POS_SESSION) or {}
    state.setdefault("lines", {})
    state.setdefault("customer_id", "")
    return state


def _empty() -> dict:
    return {"lines": {}, "customer_id": ""}


def _identify(value: str):
    """One customer by a phone, an email or a loyalty card ("QR:<card>"); a phone or email nobody holds
    yet becomes a new customer (customers' rules). None when it is none of these."""
    value = value.strip()
    if "@" in value:
        kind = "email"
    elif value.upper().startswith("QR:"):
        kind, value = "loyalty_card", value[3:]
    elif sum(ch.isdigit() for ch in value) >= 6 and not any(ch.isalpha() for ch in value):
        kind = "phone"
    else:
        return None
    found = customers.summary_by_identity(kind, value)
    if found is None and kind in ("phone", "email"):
        found_id = customer_services.do_identify(channel="pos", identities=[{"kind": kind, "value": value}]).customer_id
        return customers.customer_summary(found_id)
    return found


def _identify_or_scan(value: str):
    """A typed phone or email identifies the customer; their scanned loyalty QR also proves they are
    here (the POS may then take their points, store credit or wallet)."""
    value = value.strip()
    if value.startswith("cus_") and value.count(":") >= 2:
        proof = loyalty_presence.from_qr(value)
        return customers.customer_summary(proof.customer_id), clock.now().isoformat()
    return _identify(value), ""


def _pos_presence(state: dict):
    """The customer's presence, while a QR scanned at this till is fresh and names this customer."""
    at = state.get("presence_at") or ""
    if not at or not state.get("customer_id"):
        return None
    if clock.now() - dt.datetime.fromisoformat(at) > POS_PRESENCE:
        return None
    return loyalty_presence.Presence(customer_id=state["customer_id"], how="qr")


def _find_customers(q: str) -> list:
    """Customers by name (or any identity in any format): customers' own search, as summaries."""
    ids = [c.public_id for c in customers.search(q, limit=MAX_FOUND)]
    found = customers.customer_summaries(ids)
    return [found[i] for i in ids if i in found]


def _find_products(q: str) -> list[dict]:
    """Products sold at the till whose name, SKU or barcode matches: one row per variant."""
    rows = []
    for product in catalog_queries.search_products(q=q, active=True)[:MAX_FOUND]:
        skus = [v.sku for v in product.variants.all()][:MAX_FOUND]
        try:
            priced = pricing.price_skus(skus, "pos") if skus else {}
        except Problem:  # some variant is not sold at the till: offer the others one by one
            priced = {}
            for sku in skus:
                try:
                    priced.update(pricing.price_skus([sku], "pos"))
                except Problem:
                    continue
        rows += [{"sku": s, "title": p.title, "price": p.unit_price.format()} for s, p in priced.items()]
    return rows[:MAX_FOUND]


def _op_identify(request: HttpRequest, state: dict) -> dict:
    value = request.POST.get("who", "")[:200]
    customer, proof = _identify_or_scan(value)
    if customer is None and value.strip():
        found = _find_customers(value)
        if len(found) == 1:
            customer = found[0]
        else:
            state["found_customers"] = [c.id for c in found]
            state["searched_customer"] = value.strip()[:60]
            if not found:
                messages.error(request, _("No customer found."))
            return state
    if customer is None:
        messages.error(request, _("No customer found."))
        return state
    state["customer_id"] = customer.id
    state["presence_at"] = proof
    state["qr"] = value.strip() if proof else ""
    return state


def _op_create_customer(request: HttpRequest, state: dict) -> dict:
    """A customer created at the till: a name is enough (a till-issued identifier holds them); a phone
    or email typed with it joins them, unverified."""
    name = request.POST.get("name", "").strip()[:200]
    if not name:
        raise ValidationFailed.on("name", _("is required"))
    identities = [{"kind": "pos_customer", "value": f"pos-{secrets.token_hex(6)}"}]
    contact = request.POST.get("contact", "").strip()[:200]
    if contact:
        identities.append({"kind": "email" if "@" in contact else "phone", "value": contact})
    try:
        made = customer_services.do_identify(channel="pos", identities=identities, traits={"name": name},
                                             actor=request.principal)
    except ValidationFailed as problem:  # the one contact box is the identity the clerk typed
        raise ValidationFailed(detail=problem.detail, errors=[
            FieldError("contact", e.message) if e.field.startswith("identities.") else e for e in problem.errors
        ]) from problem
    messages.success(request, _("Customer %(name)s created.") % {"name": name})
    return {**state, "customer_id": made.customer_id, "presence_at": "", "qr": ""}


def _op_add(request: HttpRequest, state: dict) -> dict:
    code = request.POST.get("code", "").strip()[:80]
    sku = catalog_queries.sku_for_code(code) if code else None
    if sku is None:
        found = _find_products(code) if code else []
        if len(found) == 1:
            sku = found[0]["sku"]
        else:
            state["found_products"] = found
            state["searched_product"] = code[:60]
            if not found:
                messages.error(request, _("No product with that name, SKU or barcode."))
            return state
    pricing.price_skus([sku], "pos", field="code")  # not sold at the till: 422
    qty = state["lines"].get(sku, 0) + 1
    state["lines"][sku] = min(qty, services.MAX_QUANTITY)
    return state


def _op_quantity(request: HttpRequest, state: dict) -> dict:
    sku = request.POST.get("sku", "")
    raw = request.POST.get("quantity", "").strip()
    if sku not in state["lines"]:
        return state
    if not raw.isdigit() or int(raw) > services.MAX_QUANTITY:
        raise ValidationFailed.on("quantity", _("must be a whole number from 0 to %(max)d")
                                  % {"max": services.MAX_QUANTITY})
    if int(raw) == 0:
        state["lines"].pop(sku)
    else:
        state["lines"][sku] = int(raw)
    return state


def _delivery(request: HttpRequest, location: str) -> dict:
    method = request.POST.get("method", "carry_out")
    if method == "ship":
        return {"method": "ship", "address": {"line1": request.POST.get("line1", ""),
                                              "city": request.POST.get("city", ""), "country": "CL"}}
    return {"method": method, "location": request.POST.get("pickup_location") or location}


def _op_sell(request: HttpRequest, state: dict, location: str):
    require_location(request.principal, location)
    if not state["lines"]:
        raise ValidationFailed.on("code", _("Scan a product to start."))
    currency = next(iter(pricing.price_skus(list(state["lines"]), "pos").values())).unit_price.currency
    tenders = till.tenders_from_form(request.POST, currency)
    email = request.POST.get("receipt_email", "").strip()[:200]
    order = services.do_place_order(
        channel=request.POST.get("channel", "pos"), customer_id=state["customer_id"],
        lines=[services.LineIn(sku=s, quantity=q) for s, q in state["lines"].items()],
        delivery=_delivery(request, location), actor=request.principal, presence=_pos_presence(state),
        coupon=request.POST.get("coupon", "").strip()[:40], payments=tenders.payments,
        contact={"receipt_email": email} if email else None)
    return order, tenders.received


def _op_sold(request: HttpRequest, state: dict) -> tuple[dict, object]:
    """pos.js placed the sale through the API: its lines leave the session's sale (what the clerk
    added since stays), and the receipt shows."""
    try:
        order = queries.get_order(request.POST.get("order_id", "")[:40])
    except NotFound as exc:
        raise Http404 from exc
    if not visibility.may_see_order(request.principal, order):
        raise Http404
    for line in order.lines.all():
        left = state["lines"].get(line.sku, 0) - line.quantity
        if left > 0:
            state["lines"][line.sku] = left
        else:
            state["lines"].pop(line.sku, None)
    if not state["lines"]:
        state = _empty()
    return state, order


RETURN_REASONS = (("size", _("Wrong size")), ("changed_mind", _("Changed mind")), ("defective", _("Defective")),
                  ("not_as_described", _("Not as described")), ("other", _("Other")))


def _op_return_find(request: HttpRequest, state: dict) -> dict:
    """The order the customer brings back, from any channel, by its number or id."""
    ref = request.POST.get("order", "").strip()[:40]
    try:
        state["return_order"] = queries.get_order(ref).public_id
    except NotFound:
        raise ValidationFailed.on("order", _("No order %(ref)s.") % {"ref": ref}) from None
    return state


def _op_return(request: HttpRequest, state: dict, location: str) -> dict:
    """Return at the till through the returns services: requested and received here at once; the
    refund goes to the original payments or as store credit, or pays an exchange for what is in the
    sale now (the returns service places it, paid from the credit and by card for any difference)."""
    require_location(request.principal, location)
    order = queries.get_order(state.get("return_order", ""))
    lines = []
    for line in order.lines.all():
        qty = request.POST.get(f"ret_{line.sku}", "0").strip()
        if qty.isdigit() and int(qty) > 0:
            lines.append({"sku": line.sku, "quantity": int(qty), "reason": request.POST.get("reason", "") or "other",
                          "condition": request.POST.get(f"cond_{line.sku}", "resellable")})
    exchange = [services.LineIn(sku=s, quantity=q) for s, q in state["lines"].items()] \
        if request.POST.get("exchange") and state["lines"] else None
    ret = services.do_request_return(order=order, location=location, lines=lines, actor=request.principal,
                                     refund_to="store_credit" if exchange else request.POST.get("refund_to", "original"))
    ret = services.do_receive_return(return_id=ret.public_id, exchange=exchange, actor=request.principal, lines=[
        {"sku": x["sku"], "quantity": x["quantity"], "condition": x["condition"]} for x in lines])
    messages.success(request, _("Return received; refunded %(amount)s.") % {
        "amount": Money(ret.refunded, order.currency).format()})
    if ret.exchange_order_id:
        messages.success(request, _("Exchange: order %(n)s.") % {"n": queries.get_order(ret.exchange_order_id).number})
        return _empty()
    state.pop("return_order", None)
    return state


def _return_context(state: dict, viewer) -> dict | None:
    if not state.get("return_order"):
        return None
    try:
        order = queries.get_order(state["return_order"])
    except NotFound:
        return None
    data = queries.order_dict(order, viewer=viewer)
    return {"number": order.number, "id": order.public_id, "lines": data["lines"], "reasons": RETURN_REASONS,
            "has_customer": bool(order.customer_id)}


def _receipt(order, received: Money | None, viewer) -> dict:
    data = queries.order_dict(order, full=False, viewer=viewer)
    cash = sum((Money.of(p["amount"]["amount"], p["amount"]["currency"]) for p in data.get("payments", [])
                if p["method"] == "cash"), Money.zero(order.currency))
    data["change"] = till.change_due(received, cash)
    data["received"] = received
    data["paid_with"] = [{"method": p["method"], "amount": Money.of(p["amount"]["amount"], p["amount"]["currency"])}
                         for p in data.get("payments", [])]
    return data


def _received(raw: str, currency: str) -> Money | None:
    try:
        value = till.typed_amount(raw)
    except ValueError:
        return None
    return Money.of(value, currency) if value is not None and value > 0 else None


OPS = {"identify": _op_identify, "create_customer": _op_create_customer, "add": _op_add, "qty": _op_quantity}


def pos(request: HttpRequest, *, location: str, locations: list[str]):
    """The till at `location`, one of the signed-in clerk's `locations` (views.pos checks the role and
    picks them, as for every store page)."""
    state = _pos_state(request)
    receipt_order, received = None, None
    if request.method == "POST":
        for key in ("found_customers", "searched_customer", "found_products", "searched_product", "new_customer"):
            state.pop(key, None)  # search results show until the clerk's next step
        op = request.POST.get("op")
        try:
            with transaction.atomic():
                if op in OPS:
                    state = OPS[op](request, state)
                elif op == "choose":
                    chosen = customers.customer_summary(request.POST.get("customer_id", "")[:40])
                    state.update(customer_id=chosen.id, presence_at="", qr="")
                elif op == "forget":
                    state.update(customer_id="", presence_at="", qr="")
                elif op == "remove":
                    state["lines"].pop(request.POST.get("sku", ""), None)
                elif op == "clear":
                    state = _empty()
                elif op == "sell":
                    receipt_order, received = _op_sell(request, state, location)
                    messages.success(request, _("Sold: order %(n)s.") % {"n": receipt_order.number})
                    state = _empty()
                elif op == "return_find":
                    state = _op_return_find(request, state)
                elif op == "return":
                    state = _op_return(request, state, location)
                elif op == "return_cancel":
                    state.pop("return_order", None)
                elif op == "sold":
                    state, receipt_order = _op_sold(request, state)
                    received = _received(request.POST.get("cash_received", ""), receipt_order.currency)
        except Problem as problem:
            if request.POST.get("op") == "create_customer" and problem.errors:
                # said once, beside the box it concerns (the form stays open with what was typed)
                state["new_customer"] = {"errors": {e.field: str(e.message) for e in problem.errors},
                                         "name": request.POST.get("name", "")[:200],
                                         "contact": request.POST.get("contact", "")[:200]}
            else:
                show_problem(request, problem)
        request.session[POS_SESSION] = state
        if receipt_order is None:
            return redirect(f"{reverse('orders:pos')}?location={location}")
    return render(request, "orders/pos.html", {**_context(request, state, location, receipt_order, received),
                                                "locations": locations})


def _customer_panel(state: dict) -> dict | None:
    if not state["customer_id"]:
        return None
    try:
        customer = customers.customer_summary(state["customer_id"])
    except NotFound:
        return None
    balance = loyalty.summary(customer.id)
    return {"summary": customer, "tier": balance.tier.name if balance.tier else "", "points": balance.points,
            "store_credit": balance.store_credit, "wallet": balance.wallet}


def _sale_lines(state: dict, location: str) -> tuple[list[dict], Money]:
    lines: list[dict] = []
    total = Money.zero()
    if not state["lines"]:
        return lines, total
    priced = pricing.price_skus(list(state["lines"]), "pos")
    stock = inventory.availability_many(skus=list(state["lines"]), channel="web")
    total = Money.zero(priced[next(iter(state["lines"]))].unit_price.currency)
    for sku, qty in state["lines"].items():
        here = next((p.on_hand - p.reserved for p in stock[sku].locations if p.code == location), 0)
        elsewhere = [(p.code, p.available) for p in stock[sku].locations if p.code != location and p.available]
        line_total = priced[sku].unit_price * qty
        total = total + line_total
        lines.append({"sku": sku, "title": priced[sku].title, "quantity": qty, "price": priced[sku].unit_price.format(),
                      "total": line_total.format(), "here": here, "elsewhere": elsewhere})
    return lines, total


def _context(request: HttpRequest, state: dict, location: str, receipt_order, received) -> dict:
    lines, total = _sale_lines(state, location)
    present = _pos_presence(state) is not None
    spendable = loyalty.spendable(state["customer_id"]) if present else None
    return {
        "title": _("POS"), "location": location,
        "customer": _customer_panel(state), "present": present, "qr": state.get("qr", "") if present else "",
        "spendable": spendable, "lines": lines, "total": total.format(), "total_amount": total.amount,
        "currency": total.currency, "sale_json": [{"sku": s, "quantity": q} for s, q in state["lines"].items()],
        "found_customers": [customers.customer_summary(i) for i in state.get("found_customers", [])],
        "searched_customer": state.get("searched_customer", ""), "new_customer": state.get("new_customer"),
        "found_products": state.get("found_products", []), "searched_product": state.get("searched_product", ""),
        "receipt": _receipt(receipt_order, received, request.principal) if receipt_order is not None else None,
        "receipt_to": _receipt_to(receipt_order),
        "pickup_locations": [loc for loc in inventory.location_infos().values() if loc.pickup],
        "returning": _return_context(state, request.principal),
    }


def _receipt_to(order) -> dict:
    if order is None:
        return {}
    return {"address": order.contact.get("receipt_email", ""),
            "elsewhere": order.contact.get("receipt_outcome") == "owned_by_another"}


POS_SHELL = ("web/console.css", "web/console.js", "orders/orders.css", "orders/pos.css", "orders/pos.js",
             "orders/scanner.js")


@require_safe
def pos_worker(request: HttpRequest) -> HttpResponse:
    """The till's service worker, served beside the till so its scope is the till (no secret in it)."""
    page = reverse("orders:pos")
    shell = [static(path) for path in POS_SHELL]
    version = hashlib.sha256(json.dumps([page, shell]).encode()).hexdigest()[:12]
    response = render(request, "orders/pos_sw.js", {
        "version": version, "page": json.dumps(page), "shell": json.dumps(shell),
        "static_prefix": json.dumps(static("")),
    }, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # a new version must be picked up
    return response
