"""Console pages of the order book: the order list and detail (cancel, refund, fulfilment steps),
work queues per location (pick, pack, ship), and the store screens: POS / mPOS, pickup desk with
the curbside queue, and a returns desk that takes any channel's order.

A store clerk works only at their own locations (the pages offer only those; services re-check)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core import local_time
from omnicanal.core.auth import require_location
from omnicanal.core.console import principal, problem_text, show_problem, staff_required
from omnicanal.core.errors import Forbidden, NotFound, Problem
from omnicanal.core.labels import label
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers
from omnicanal.inventory import queries as inventory
from omnicanal.loyalty import presence as loyalty_presence
from omnicanal.orders import labels, pickup, queries, roles, services, till, views_pos, visibility
from omnicanal.orders.models import DeliveryMethod, DisputeStatus, FulfillmentStatus, OrderStatus

app_name = "orders"
VIEWERS, FLOOR = roles.console(roles.READERS), roles.console(roles.FLOOR)  # orders.roles: as the API
POS_SESSION = views_pos.POS_SESSION


def may(request: HttpRequest, right: tuple[str, ...]) -> bool:
    """Whether the signed-in user holds `right` (orders.roles) here: what the page offers is what the
    API allows."""
    return roles.allows(request.user.role, roles.console(right))


def _my_locations(request: HttpRequest) -> list[str]:
    codes = request.principal.locations
    if codes is not None:
        return sorted(codes)
    return list(inventory.location_infos())


def _location(request: HttpRequest, source=None) -> str:
    mine = _my_locations(request)
    wanted = ((source or request.GET).get("location") or "").upper()
    if wanted and wanted in mine:
        return wanted
    if request.principal.locations is not None:
        return mine[0] if mine else ""
    return wanted or next((c for c in mine if c.startswith("SCL")), mine[0] if mine else "")


def _at_store(location: str) -> str:
    """A store page reads in its location's own time zone (core.local_time: the one rule)."""
    info = inventory.location_info(location) if location else None
    local_time.use_place_zone(info.timezone if info else "")
    return location


def _back(request: HttpRequest, default: str):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _unconfirmed(request: HttpRequest) -> bool:
    """What cannot be undone (cancel, refund, a dispute's decision) needs "confirm=yes": ticked in the
    form's required checkbox without JS, or set by the confirmation <dialog> (web/console.js)."""
    if request.POST.get("confirm") == "yes":
        return False
    messages.error(request, _("Nothing was done: confirm it first."))
    return True


# --- order console -------------------------------------------------------------------------------------



def _customer_of(order):
    """The order's customer for display, or None (anonymous, or erased since)."""
    if not order.customer_id:
        return None
    try:
        return customers.customer_summary(order.customer_id)
    except NotFound:
        return None

@staff_required(*VIEWERS)
def order_list(request: HttpRequest):
    f = {k: request.GET.get(k, "").strip() for k in ("q", "channel", "status", "location", "method")}
    qs = queries.search_orders(**f, locations=request.principal.locations)
    rows = list(qs[:100])
    return render(request, "orders/list.html", {
        "title": _("Orders"), "orders": rows, "filters": f, "statuses": OrderStatus.choices,
        "methods": DeliveryMethod.choices, "locations": _my_locations(request),
        "channels": ["web", "app", "marketplace", "pos", "mpos", "chat", "phone"]})


def _visible_order(request: HttpRequest, order_id: str):
    try:
        order = queries.get_order(order_id)
    except NotFound as exc:
        raise Http404 from exc
    if not visibility.may_see_order(request.principal, order):  # another store's order (visibility.py)
        raise Http404
    return order


@staff_required(*VIEWERS)
def order_detail(request: HttpRequest, order_id: str):
    order = _visible_order(request, order_id)
    data = queries.order_dict(order, viewer=request.principal)
    for f in data["fulfillments"]:
        f["reason"] = queries.reason_for_reader(order, f["id"], f["reason"])
    placed_on = _("Placed on %(channel)s") % {"channel": label("catalog.channel", order.channel)}
    timeline = [{"at": order.placed_at.isoformat(), "what": placed_on,
                 "who": order.placed_by}]
    for f in order.fulfillments.all():
        for h in f.history:
            timeline.append({"at": h["at"], "what": f"{f.public_id[:12]}… {label('orders.fulfillment_status', h['status'])}",
                             "who": h.get("actor", "")})
    for r in data["refunds"]:
        timeline.append({"at": r["at"], "what": _("Refund %(amount)s") % {
            "amount": Money.of(r["amount"]["amount"], r["amount"]["currency"]).format()},
                         "who": label("orders.refund_to", r["to"])})
    timeline += _returns_and_disputes_timeline(order)
    timeline.sort(key=lambda e: e["at"], reverse=True)
    customer = _customer_of(order)
    allowed = queries.allowed_actions(order)  # the rule lives in orders (services/dues.py)
    return render(request, "orders/detail.html", {
        "title": order.number, "order": order, "data": data, "timeline": timeline, "customer": customer,
        "money": lambda m: Money.of(m["amount"], m["currency"]).format(),
        "can_cancel": "cancel" in allowed and may(request, roles.CANCELLERS), "cancel_causes": queries.STAFF_CANCEL_CAUSES,
        "can_refund": "refund" in allowed and may(request, roles.REFUNDERS),
        "can_dispute": "dispute" in allowed and may(request, roles.DISPUTE_OPENERS),
        "can_collect": "collect" in allowed and may(request, roles.FLOOR),
        "can_return": "return" in allowed and may(request, roles.FLOOR),
        "desk_location": _desk_location(order), "pay_methods": PAY_METHODS,
        "due": Money.of(data["totals"]["due"]["amount"], order.currency),
        "dispute_kinds": DISPUTE_KINDS, "returns": list(order.returns.all()),
        "disputes": list(order.disputes.all())})


DISPUTE_KINDS = [("not_received", _("Not received")), ("defective", _("Defective"))]
DECISION_LABELS = {"refund": _("Total refund"), "partial_refund": _("Partial refund"),
                   "replacement": _("Replacement"), "reject": _("Rejected")}


def _returns_and_disputes_timeline(order) -> list[dict]:
    """Each step of the order's returns (label, parcel sent, received) and disputes (opened, decided)."""
    out = []
    steps = {"requested": _("Return %(id)s requested"), "in_transit": _("Return %(id)s sent by mail"),
             "received": _("Return %(id)s received at %(location)s")}
    for ret in order.returns.all():
        for h in ret.history:
            what = steps.get(h.get("status"), "%(id)s") % {"id": ret.public_id[:12] + "…",
                                                           "location": h.get("location", "")}
            if h.get("status") == "requested" and h.get("by_mail"):
                what += " — " + _("label %(carrier)s %(tracking)s") % {"carrier": ret.carrier, "tracking": ret.tracking}
            if h.get("destination"):
                what += " — " + _("addressed to %(code)s") % {"code": h["destination"]}
            out.append({"at": h["at"], "what": what, "who": h.get("actor", "")})
    for d in order.disputes.all():
        for h in d.history:
            if h.get("status") == DisputeStatus.OPEN:
                what = _("Dispute opened: %(kind)s") % {"kind": dict(DISPUTE_KINDS).get(d.kind, d.kind)}
            else:
                what = _("Dispute decided: %(decision)s") % {
                    "decision": DECISION_LABELS.get(h.get("decision", ""), h.get("decision", ""))}
                if h.get("decision") in ("refund", "partial_refund"):
                    what += f" {Money.of(h.get('amount') or '0', order.currency).format()}"
            out.append({"at": h["at"], "what": what, "who": h.get("actor", "")})
    return out


@staff_required(*VIEWERS)
@require_POST
def order_cancel(request: HttpRequest, order_id: str):
    order = _visible_order(request, order_id)
    if _unconfirmed(request):
        return redirect("orders:detail", order_id=order.public_id)
    try:
        with transaction.atomic():
            services.do_cancel_order(order=order, reason=request.POST.get("reason", "")[:200],
                                     cause=request.POST.get("cause", ""), actor=request.principal)
        messages.success(request, _("Order %(n)s cancelled.") % {"n": order.number})
    except Problem as problem:
        show_problem(request, problem)
    return redirect("orders:detail", order_id=order.public_id)


PAY_METHODS = [("cash", _("Cash")), ("card", _("Card (in person)")), ("points", _("Points")),
               ("gift_card", _("Gift card")), ("store_credit", _("Store credit"))]


def _desk_location(order) -> str:
    """Where the order is handed over (its pickup desk), for the collect form and the audit."""
    for f in order.fulfillments.all():
        if f.pickup_code:
            return f.handover_location or f.location
    return order.delivery_location or ""


@staff_required(*FLOOR)
@require_POST
def order_collect(request: HttpRequest, order_id: str):
    """Pay at pickup from the console: the balance (or the amount typed) in the chosen method."""
    order = _visible_order(request, order_id)
    try:
        raw = request.POST.get("amount", "").strip()
        typed = till.typed_amount(raw)
        amount = Money.of(typed, order.currency) if typed is not None else None
        presence = None
        if request.POST.get("qr", "").strip():
            presence = loyalty_presence.from_qr(request.POST["qr"].strip())
        with transaction.atomic():
            pay = services.do_collect_payment(
                order=order, method=request.POST.get("method", ""), amount=amount,
                location=_desk_location(order), gift_card_code=request.POST.get("gift_card_code", "").strip(),
                pin=request.POST.get("pin", "").strip(), presence=presence, actor=request.principal)
        messages.success(request, _("%(order)s: %(amount)s collected.") % {
            "order": order.number, "amount": Money(pay.amount, order.currency).format()})
    except Problem as problem:
        show_problem(request, problem)
    except (ValueError, ArithmeticError):
        messages.error(request, _("Not an amount."))
    return _back(request, reverse("orders:detail", args=[order.public_id]))


@staff_required(*roles.REFUNDERS)
@require_POST
def order_refund(request: HttpRequest, order_id: str):
    order = _visible_order(request, order_id)
    if _unconfirmed(request):
        return redirect("orders:detail", order_id=order.public_id)
    try:
        amount = Money.of(request.POST.get("amount", "0") or "0", order.currency)
        with transaction.atomic():
            made = services.do_refund(order=order, amount=amount, to=request.POST.get("to", "original"),
                                      reason=request.POST.get("reason", "")[:200], reference="console",
                                      actor=request.principal)
        messages.success(request, _("Refunded %(n)d time(s).") % {"n": len(made)})
    except (Problem, ValueError) as problem:
        if isinstance(problem, Problem):
            show_problem(request, problem)
        else:
            messages.error(request, _("Not an amount."))
    return redirect("orders:detail", order_id=order.public_id)


@staff_required(*FLOOR)
@require_POST
def fulfillment_action(request: HttpRequest, fulfillment_id: str, action: str):
    try:
        f = queries.get_fulfillment(fulfillment_id)
        if not visibility.may_see_order(request.principal, f.order):
            raise Http404  # another store's order (visibility.py)
        where = f.handover_location if action in ("ready", "arrived", "handover", "pickup-code", "resend-code") and f.handover_location else f.location
        require_location(request.principal, where)
        with transaction.atomic():
            if action == "short":
                outcome = services.do_short_pick(fulfillment_id=fulfillment_id, sku=request.POST.get("sku", ""),
                                                 missing=int(request.POST.get("missing") or 1),
                                                 actor=request.principal)
                messages.info(request, _("Re-sourced.") if outcome["resourced_to"] else _("Cancelled and refunded."))
            elif action == "resend-code":
                pickup.do_resend_pickup_code(fulfillment_id=fulfillment_id, actor=request.principal)
                messages.success(request, _("The pickup code was sent to the customer again."))
            elif action == "pickup-code":
                pickup.do_reissue_pickup_code(fulfillment_id=fulfillment_id, actor=request.principal)
                messages.success(request, _("A new pickup code was issued and sent to the customer."))
            else:
                data = {k: request.POST.get(k, "") for k in ("carrier", "tracking", "code", "parking_spot")}
                f = services.do_transition(fulfillment_id=fulfillment_id, action=action, data=data,
                                           actor=request.principal)
                messages.success(request, _("%(order)s: %(status)s") % {"order": f.order.number,
                                                                         "status": f.get_status_display()})
    except (Problem, Forbidden) as problem:
        show_problem(request, problem)
    return _back(request, reverse("orders:list"))


@staff_required(*FLOOR)
def work_queue(request: HttpRequest):
    location = _at_store(_location(request))
    ship_methods = ("ship", "drop_ship", "pickup_point", "ship_to_store")
    sections = [
        ("pick", _("To pick"), list(queries.queue(location=location, statuses=("pending",)))),
        ("pack", _("To pack"), list(queries.queue(location=location, statuses=("picking",)))),
        ("ship", _("To ship"), list(queries.queue(location=location, statuses=("packed",), methods=ship_methods))),
        ("ready", _("To make ready"), list(queries.queue(location=location, statuses=("packed",),
                                                           methods=("pickup", "curbside")))),
    ]
    return render(request, "orders/queue.html", {
        "title": _("Work queue"), "location": location, "locations": _my_locations(request),
        "sections": [(key, label, queries.desk_rows(rows)) for key, label, rows in sections]})


# --- store screens ---------------------------------------------------------------------------------------


@staff_required(*FLOOR)
def pickups(request: HttpRequest):
    """The pickup desk: who is waiting outside, what is ready (with the customer's name, what is still
    due and since when it waits), and what is on its way to this store."""
    location = _at_store(_location(request))
    ready = list(queries.queue(location=location, handover=True, statuses=(FulfillmentStatus.READY,)))
    arrived = list(queries.queue(location=location, handover=True, statuses=(FulfillmentStatus.ARRIVED,)))
    incoming = list(queries.queue(location=location, handover=True, statuses=(
        "pending", "picking", "packed", "shipped")))
    codes = {f.pk for f in ready + arrived if visibility.may_see_pickup_code(request.principal, f)}
    return render(request, "orders/pickups.html", {
        "title": _("Pickup desk"), "location": location, "locations": _my_locations(request),
        "ready": queries.desk_rows(ready), "arrived": queries.desk_rows(arrived),
        "incoming": queries.desk_rows(incoming), "codes": codes, "pay_methods": PAY_METHODS,
        "may_reissue": may(request, roles.REISSUE)})


@staff_required(*FLOOR)
def pos(request: HttpRequest):
    """The till (views_pos.py), at the store asked for among the clerk's own."""
    location = _at_store(_location(request, request.POST if request.method == "POST" else None))
    return views_pos.pos(request, location=location, locations=_my_locations(request))


@staff_required(*FLOOR)
def returns_desk(request: HttpRequest):
    location = _at_store(_location(request, request.POST if request.method == "POST" else None))
    order, data = None, None
    ref = (request.POST.get("order") or request.GET.get("order") or "").strip()
    if ref:
        try:
            order = queries.get_order(ref)  # any channel's order, by the number the customer brings
            data = queries.order_dict(order, viewer=request.principal)
        except NotFound:
            messages.error(request, _("No order %(ref)s.") % {"ref": ref})
    if request.method == "POST" and order is not None and request.POST.get("op") == "return":
        lines = []
        for line in data["lines"]:
            qty = request.POST.get(f"qty_{line['sku']}", "0")
            if qty.isdigit() and int(qty) > 0:
                lines.append({"sku": line["sku"], "quantity": int(qty),
                              "reason": request.POST.get(f"reason_{line['sku']}", "") or "other",
                              "condition": request.POST.get(f"condition_{line['sku']}", "resellable")})
        try:
            require_location(request.principal, location)
            with transaction.atomic():
                ret = services.do_request_return(order=order, location=location, lines=lines,
                                                 refund_to=request.POST.get("refund_to", "original"),
                                                 actor=request.principal)
                ret = services.do_receive_return(return_id=ret.public_id, actor=request.principal, lines=[
                    {"sku": x["sku"], "quantity": x["quantity"], "condition": x["condition"]} for x in lines])
            messages.success(request, _("Return received; refunded %(amount)s (%(to)s).") % {
                "amount": Money(ret.refunded, order.currency).format(), "to": label("orders.refund_to", ret.refund_to)})
        except Problem as problem:
            show_problem(request, problem)
        return redirect(f"{reverse('orders:returns_desk')}?location={location}&order={order.public_id}")
    every = request.GET.get("mail") == "all"
    on_the_way = list(queries.mail_returns_on_the_way(destination="" if every else location,
                                                      viewer=request.principal)
                      .prefetch_related("lines")[:100])
    names = customers.customer_summaries([r.order.customer_id for r in on_the_way]
                                         + ([order.customer_id] if order is not None else []))
    for r in on_the_way:
        r.customer_name = names[r.order.customer_id].name if r.order.customer_id in names else ""
    return render(request, "orders/returns_desk.html", {
        "title": _("Returns desk"), "location": location, "locations": _my_locations(request), "order": order,
        "can_return": order is not None and "return" in queries.allowed_actions(order),
        "customer_name": names[order.customer_id].name if order is not None and order.customer_id in names else "",
        "data": data, "ref": ref, "money": lambda m: Money.of(m["amount"], m["currency"]).format(),
        "on_the_way": on_the_way, "every_destination": every,
        "mail_returns": [r for r in (order.returns.all() if order is not None else []) if r.by_mail]})


# --- the side panel beside a conversation (and on the customer 360) ---------------------------------------
# Rendered by handlers.render_orders_panel through customers.registry; its forms post here and get the
# panel back (HTMX). Inside the agent's workspace, conversations sets request.conversation_id so the
# panel can offer "link to this conversation" (a plain URL by name: orders never imports conversations).

RETURN_REASONS = [("size", _("Wrong size")), ("changed_mind", _("Changed mind")), ("defective", _("Defective")),
                  ("not_as_described", _("Not as described")), ("other", _("Other"))]


def panel_html(request: HttpRequest, customer_id: str, *, q: str = "", notice: str = "", error: str = "") -> str:
    conversation_id = getattr(request, "conversation_id", "") or ""
    # request.principal is the reader (customers.registry: panels show only what it may see)
    orders = queries.customer_orders(customer_id, q=q, principal=principal(request))
    cart = queries.active_cart(customer_id) if not q else None
    role = getattr(request.user, "role", "")
    return render_to_string("orders/_customer_panel.html", {
        "customer_id": customer_id, "orders": orders, "cart": queries.cart_dict(cart) if cart else None, "q": q,
        "conversation_id": conversation_id, "notice": notice, "error": error,
        "can_act": roles.allows(role, roles.THREAD_ACTORS), "reasons": RETURN_REASONS,
        "return_locations": [loc for loc in inventory.location_infos().values() if loc.returns],
    }, request=request)


def _panel_response(request: HttpRequest, customer_id: str, **kw) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    request.conversation_id = source.get("conversation_id", "")[:40]
    return HttpResponse(panel_html(request, customer_id, q=source.get("q", "")[:60], **kw))


@staff_required(*VIEWERS)
def panel(request: HttpRequest, customer_id: str):
    """The panel alone: the search box (order number, order id or SKU) swaps it in place."""
    return _panel_response(request, customer_id)


@staff_required(*roles.THREAD_ACTORS)
@require_POST
def panel_resend_tracking(request: HttpRequest, fulfillment_id: str):
    try:
        f = queries.get_fulfillment(fulfillment_id)
    except NotFound as exc:
        raise Http404 from exc
    try:
        with transaction.atomic():
            services.do_resend_tracking(fulfillment_id=fulfillment_id, actor=request.principal)
        notice = _("Tracking %(tracking)s of %(order)s sent again.") % {"tracking": f.tracking, "order": f.order.number}
        return _panel_response(request, f.order.customer_id, notice=notice)
    except (Problem, Forbidden) as problem:
        return _panel_response(request, f.order.customer_id, error=problem_text(problem))


@staff_required(*roles.THREAD_ACTORS)
@require_POST
def panel_start_return(request: HttpRequest, order_id: str):
    order = _visible_order(request, order_id)
    lines = []
    for line in order.lines.all():
        qty = request.POST.get(f"qty_{line.sku}", "0").strip()
        if qty.isdigit() and int(qty) > 0:
            lines.append({"sku": line.sku, "quantity": int(qty), "reason": request.POST.get("reason", "") or "other"})
    by_mail = bool(request.POST.get("by_mail"))
    location = request.POST.get("location", "")
    if by_mail and not location:
        location = services.MAIL  # the rule picks the warehouse; the service makes the label
    try:
        with transaction.atomic():
            ret = services.do_request_return(order=order, location=location, lines=lines, by_mail=by_mail,
                                             refund_to=request.POST.get("refund_to", "original"),
                                             actor=request.principal)
        notice = _("Return %(id)s requested for %(order)s: the customer brings or sends it to %(location)s.") % {
            "id": ret.public_id, "order": order.number, "location": ret.location}
        if ret.by_mail:
            notice += " " + _("Label: %(carrier)s %(tracking)s, sent to the customer.") % {
                "carrier": ret.carrier, "tracking": ret.tracking}
        return _panel_response(request, order.customer_id, notice=notice)
    except Problem as problem:
        return _panel_response(request, order.customer_id, error=problem_text(problem))


# --- disputes ------------------------------------------------------------------------------------------
# Agents and managers open disputes and read the queue; only managers decide (as refunds), and the
# service re-checks the role: a store clerk or an agent posting the decide form gets 403.


@staff_required(*roles.DISPUTE_READERS)
def disputes(request: HttpRequest):
    status = request.GET.get("status", "open")
    status = status if status in ("open", "decided", "") else "open"
    kind = request.GET.get("kind", "")
    kind = kind if kind in dict(DISPUTE_KINDS) else ""
    rows = queries.disputes_queue(status=status, kind=kind)
    names = {}
    for customer_id in {d.order.customer_id for d in rows if d.order.customer_id}:
        try:  # through customers' queries (merged ids answer the survivor); a queue is a few dozen rows
            names[customer_id] = customers.customer_summary(customer_id).name
        except NotFound:
            names[customer_id] = ""
    for d in rows:
        d.customer_name = names.get(d.order.customer_id, "") if d.order.customer_id else ""
    return render(request, "orders/disputes.html", {
        "title": _("Disputes"), "disputes": rows, "status": status, "kind": kind, "kinds": DISPUTE_KINDS,
        "decisions": DECISION_LABELS})


@staff_required(*roles.DISPUTE_READERS)
def dispute_detail(request: HttpRequest, dispute_id: str):
    try:
        dispute = queries.get_dispute(dispute_id)
    except NotFound as exc:
        raise Http404 from exc
    order = dispute.order
    data = queries.order_dict(order, viewer=request.principal)
    customer = _customer_of(order)
    left = services.paid_amount(order) - services.refunded_amount(order)
    return render(request, "orders/dispute_detail.html", {
        "title": _("Dispute %(id)s") % {"id": dispute.public_id}, "dispute": dispute, "order": order, "data": data,
        "customer": customer, "left": left, "kinds": dict(DISPUTE_KINDS), "decisions": DECISION_LABELS,
        "can_decide": dispute.status == DisputeStatus.OPEN and may(request, roles.DISPUTE_DECIDERS),
        "history": [{**h, "decision_label": DECISION_LABELS.get(h.get("decision", ""), "")} for h in dispute.history],
        "timeline": sorted(_returns_and_disputes_timeline(order), key=lambda e: e["at"], reverse=True)})


@staff_required(*roles.DISPUTE_DECIDERS)
@require_POST
def dispute_decide(request: HttpRequest, dispute_id: str):
    try:
        dispute = queries.get_dispute(dispute_id)
    except NotFound as exc:
        raise Http404 from exc
    decision = request.POST.get("decision", "")
    if _unconfirmed(request):
        return redirect("orders:dispute", dispute_id=dispute.public_id)
    try:
        amount = None
        if decision == "partial_refund":
            typed = till.typed_amount(request.POST.get("amount", ""))
            if typed is None:
                raise ValueError("no amount")
            amount = Money.of(typed, dispute.order.currency)
        with transaction.atomic():
            dispute = services.do_decide_dispute(dispute_id=dispute.public_id, decision=decision, amount=amount,
                                                 note=request.POST.get("note", "")[:500], actor=request.principal)
        messages.success(request, _("Dispute decided: %(decision)s.") % {
            "decision": DECISION_LABELS.get(dispute.decision, dispute.decision)})
    except Problem as problem:
        show_problem(request, problem)
    except (ValueError, ArithmeticError):
        messages.error(request, _("Not an amount."))
    return redirect("orders:dispute", dispute_id=dispute.public_id)


@staff_required(*roles.console(roles.DISPUTE_OPENERS))
@require_POST
def dispute_open(request: HttpRequest, order_id: str):
    order = _visible_order(request, order_id)
    try:
        with transaction.atomic():
            dispute = services.do_open_dispute(order=order, kind=request.POST.get("kind", ""),
                                               note=request.POST.get("note", "")[:2000], actor=request.principal)
        messages.success(request, _("Dispute %(id)s opened.") % {"id": dispute.public_id})
        return redirect("orders:dispute", dispute_id=dispute.public_id)
    except Problem as problem:
        show_problem(request, problem)
    return redirect("orders:detail", order_id=order.public_id)


# --- returns by mail -------------------------------------------------------------------------------------


def _label_page(request: HttpRequest, ret, *, public: bool) -> HttpResponse:
    context = queries.label_context(ret)
    response = render(request, "orders/return_label.html", {
        **context, "public": public, "title": _("Return label %(id)s") % {"id": ret.public_id}})
    # the link is the key: never leak it to another site, never keep the customer's address in a cache
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _visible_return(request: HttpRequest, return_id: str):
    """A mail return the reader may handle: a clerk sees those addressed to, or received at, their
    stores (visibility.may_see_return); another store's is 404."""
    try:
        ret = queries.get_return(return_id)
    except NotFound as exc:
        raise Http404 from exc
    if not ret.by_mail or not visibility.may_see_return(request.principal, ret):
        raise Http404
    return ret


@staff_required(*VIEWERS)
def return_label(request: HttpRequest, return_id: str):
    """The printable label, from the console."""
    return _label_page(request, _visible_return(request, return_id), public=False)


def return_label_public(request: HttpRequest, token: str):
    """The customer's signed link (no sign-in): a tampered link is 404, an expired one 403."""
    try:
        return_id = labels.read_token(token)
        ret = queries.get_return(return_id)
    except (labels.LabelInvalid, NotFound) as exc:
        raise Http404 from exc
    except labels.LabelExpired:
        return render(request, "orders/return_label_expired.html", {"title": _("Return label")}, status=403)
    if not ret.by_mail:
        raise Http404
    return _label_page(request, ret, public=True)


@staff_required(*VIEWERS)
@require_POST
def return_sent(request: HttpRequest, return_id: str):
    _visible_return(request, return_id)
    try:
        with transaction.atomic():
            ret = services.do_mark_return_sent(return_id=return_id, tracking=request.POST.get("tracking", "")[:40],
                                               actor=request.principal)
        messages.success(request, _("Return %(id)s is on its way (%(tracking)s).") % {
            "id": ret.public_id, "tracking": ret.tracking})
    except Problem as problem:
        show_problem(request, problem)
    return _back(request, reverse("orders:returns_desk"))


@staff_required(*FLOOR)
@require_POST
def return_receive(request: HttpRequest, return_id: str):
    """A parcel arrives at this desk: its lines in the condition found, at this location (which may
    not be the one on its label: taken, and recorded)."""
    location = (request.POST.get("location") or "").upper()
    try:
        ret = queries.get_return(return_id)
        require_location(request.principal, location)
        lines = [{"sku": rl.sku, "quantity": rl.quantity,
                  "condition": request.POST.get(f"condition_{rl.sku}", "resellable")} for rl in ret.lines.all()]
        with transaction.atomic():
            ret = services.do_receive_return(return_id=return_id, lines=lines, location=location,
                                             actor=request.principal)
        messages.success(request, _("Return received; refunded %(amount)s (%(to)s).") % {
            "amount": Money(ret.refunded, ret.order.currency).format(), "to": label("orders.refund_to", ret.refund_to)})
    except (Problem, Forbidden) as problem:
        show_problem(request, problem)
    return _back(request, f"{reverse('orders:returns_desk')}?location={location}")


urlpatterns = [
    path("", order_list, name="list"),
    path("queue/", work_queue, name="queue"),
    path("pos/", pos, name="pos"),
    path("pos/sw.js", views_pos.pos_worker, name="pos_worker"),
    path("pickups/", pickups, name="pickups"),
    path("returns/", returns_desk, name="returns_desk"),
    path("o/<str:order_id>/", order_detail, name="detail"),
    path("o/<str:order_id>/cancel/", order_cancel, name="cancel"),
    path("o/<str:order_id>/refund/", order_refund, name="refund"),
    path("o/<str:order_id>/collect/", order_collect, name="collect"),
    path("f/<str:fulfillment_id>/<str:action>/", fulfillment_action, name="action"),
    path("panel/<str:customer_id>/", panel, name="panel"),
    path("panel/f/<str:fulfillment_id>/resend-tracking/", panel_resend_tracking, name="panel_resend_tracking"),
    path("panel/o/<str:order_id>/return/", panel_start_return, name="panel_return"),
    path("disputes/", disputes, name="disputes"),
    path("disputes/<str:dispute_id>/", dispute_detail, name="dispute"),
    path("disputes/<str:dispute_id>/decide/", dispute_decide, name="dispute_decide"),
    path("o/<str:order_id>/dispute/", dispute_open, name="dispute_open"),
    path("r/<str:return_id>/label/", return_label, name="return_label"),
    path("r/<str:return_id>/sent/", return_sent, name="return_sent"),
    path("r/<str:return_id>/receive/", return_receive, name="return_receive"),
    # the customer's signed link: no sign-in (see labels.py)
]
