"""About 2,000 orders over the last 12 months across channels and delivery methods, with
cross-channel journeys (bought on the web, returned in a store; bought in the app, picked up in a
store; a POS customer who later orders online) and open fulfilments so the queues have work.

History is written with bulk_create (seconds, not minutes): its stock effects are already in the
inventory demo's counts. The open orders, a few dozen, go through the real services, so their
units are truly reserved and their events leave through the outbox."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from omnicanal.catalog import queries as catalog_queries
from omnicanal.core import clock
from omnicanal.core.demo import LOCATIONS
from omnicanal.core.errors import Problem
from omnicanal.core.ids import new_id
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers
from omnicanal.orders import pricing, services
from omnicanal.orders.models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderLine,
    Payment,
    Refund,
    Return,
    ReturnLine,
)

HISTORY = 1940
OPEN = 60
STORES = [loc.code for loc in LOCATIONS if loc.kind == "store"]
WAREHOUSE, LOCKER, DARK = "WH-CENTRAL", "LOCKER-LOSLEONES", "DS-PROVI"
CITIES = [("Av. Apoquindo 4500", "Las Condes"), ("Av. Grecia 2001", "Ñuñoa"), ("Av. Brasil 1200", "Valparaíso"),
          ("Calle O'Higgins 800", "Concepción"), ("Av. Pajaritos 3100", "Maipú"), ("Av. Libertad 500", "Viña del Mar")]
CHANNELS = [("web", 34), ("app", 20), ("marketplace", 14), ("pos", 22), ("mpos", 4), ("phone", 3), ("chat", 3)]
REMOTE_METHODS = [("ship", 50), ("pickup", 18), ("curbside", 7), ("pickup_point", 10), ("ship_to_store", 15)]


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _address(rng):
    line1, city = rng.choice(CITIES)
    return {"line1": line1, "city": city, "country": "CL"}


def load(*, seed: int, rng: random.Random, out) -> None:
    customer_ids = customers.customer_ids(limit=500)  # the oldest 500 that are not merged away
    variants = catalog_queries.variant_summaries()
    if not variants:
        out.write("orders demo: no catalog, skipped\n")
        return
    now = clock.now()
    _history(rng, now, customer_ids, variants)
    _history_spend_for_tiers()
    placed = _open_orders(rng, customer_ids, variants)
    disputes, parcels = _disputes_and_mail_returns(rng, customer_ids, variants, now)
    out.write(f"orders demo: {HISTORY} past orders, {placed} open ones in the queues, {disputes} disputes, "
              f"{parcels} returns by mail\n")
    card = _saved_card(customer_ids[0]) if customer_ids else None
    if card is not None:
        out.write(f"  the demo shopper saved the sandbox's test card ({card.card_type} •••• {card.last4})\n")


def _saved_card(customer_id: str):
    """The shop's demo shopper (the oldest customer) saves the sandbox's test Visa, through the real
    inscription (its two calls answered in process), so a subscription can be paid with it. Only
    while Oneclick is the sandbox: the demo never enrols a card at Transbank. The sandbox keeps the
    enrolment in its own cache (web/settings.py: Redis, else files next to the database), so the
    worker that charges it and a restarted server still know it."""
    from omnicanal.orders import oneclick_sandbox
    from omnicanal.orders.webpay_config import oneclick_config

    cfg = oneclick_config()
    email = customers.customer_summary(customer_id).email
    if not cfg.sandbox or cfg.sandbox_refused or not email:
        return None
    try:
        started = services.do_start_card_inscription(customer_id=customer_id, email=email, return_base="http://demo")
        if not oneclick_sandbox.type_card(started.token):
            return None
        return services.do_finish_card_inscription(token=started.token)
    except Problem:
        return None


def _history(rng, now, customer_ids, variants) -> None:
    orders, plans = [], []
    skus = [v.sku for v in variants]
    prices = {code: catalog_queries.channel_prices(skus, code) for code, _weight in CHANNELS}  # the catalog prices
    on_marketplace = [v for v in variants if prices["marketplace"][v.sku].sellable]  # about half the range
    for _ in range(HISTORY):
        channel = _pick(rng, CHANNELS)
        customer = rng.choice(customer_ids) if customer_ids and (channel not in ("pos", "mpos") or rng.random() < .6) \
            else ""
        if channel in ("pos", "mpos"):
            method = "carry_out" if rng.random() < .85 else rng.choice(["pickup", "ship"])
        elif channel == "marketplace":
            method = "ship"
        else:
            method = _pick(rng, REMOTE_METHODS)
        store = rng.choice(STORES)
        placed_at = now - dt.timedelta(days=rng.uniform(4, 365), minutes=rng.randint(0, 600))
        picks = rng.sample(on_marketplace if channel == "marketplace" else variants, k=rng.choice([1, 1, 1, 2, 2, 3]))
        lines = []
        for v in picks:
            lines.append((v, rng.choice([1, 1, 1, 2]), prices[channel][v.sku].price.amount))
        subtotal = sum(p * q for _, q, p in lines)
        delivery = "ship" if method == "ship" else "pickup_point" if method == "pickup_point" else \
            "pickup" if method == "ship_to_store" else method
        shipping = pricing.shipping_fee(delivery, Money.of(subtotal)).amount
        total = subtotal + shipping
        fate = rng.random()
        status = "cancelled" if fate < .04 else "completed"
        source = store if method in ("carry_out", "pickup", "curbside") else \
            WAREHOUSE if channel == "marketplace" or method in ("ship_to_store", "pickup_point") else \
            rng.choice([WAREHOUSE, WAREHOUSE, DARK, store])
        handover = LOCKER if method == "pickup_point" else store if method in ("pickup", "curbside", "ship_to_store",
                                                                                 "carry_out") else ""
        tax = pricing.tax_lines(Money.of(total))
        orders.append(Order(
            public_id=new_id("ord"), channel=channel, customer_id=customer, status=status, delivery_method=delivery,
            delivery_location=handover, address=_address(rng) if delivery == "ship" else None, currency="CLP",
            subtotal=subtotal, shipping=shipping, discount=0, total=total, tax=Decimal(tax[0]["amount"]["amount"]),
            tax_lines=tax, placed_by="demo", placed_at=placed_at,
            paid_at=placed_at + dt.timedelta(minutes=2) if status == "completed" else None,
            cancelled_at=placed_at + dt.timedelta(hours=3) if status == "cancelled" else None,
            cancel_cause=_demo_cause(fate) if status == "cancelled" else "",
            # The reason is known here: a bulk_update of 1,940 JSON fields afterwards cost seconds.
            sourcing=[{"location": source, "method": method, "reason": _reason(method, source, handover)}]))
        plans.append((lines, method, source, handover, fate, status))
    Order.objects.bulk_create(orders, batch_size=500)
    order_lines: list[OrderLine] = []
    fulfillments: list[Fulfillment] = []
    payments: list[Payment] = []
    for order, (lines, method, source, handover, _fate, status) in zip(orders, plans, strict=True):
        for v, q, p in lines:
            order_lines.append(OrderLine(order=order, sku=v.sku, title=v.name[:200],
                                         category=v.category, quantity=q, unit_price=p, total=p * q,
                                         cancelled=q if status == "cancelled" else 0))
        final = "cancelled" if status == "cancelled" else "delivered" if method == "ship" else "picked_up"
        t = order.placed_at
        fulfillments.append(Fulfillment(
            public_id=new_id("ful"), order=order, location=source, handover_location=handover, method=method,
            status=final, reservation_ref=order.public_id, reason=order.sourcing[0]["reason"],
            pickup_code=f"{random.Random(order.public_id).randint(0, 999999):06d}" if handover else "",
            carrier="Chilexpress" if method == "ship" else "", tracking=f"CX{order.placed_at:%y%m%d%H%M%S}"
            if method == "ship" else "", created_at=t, updated_at=t + dt.timedelta(days=2),
            history=[{"at": t.isoformat(), "status": "pending", "actor": "demo"},
                     {"at": (t + dt.timedelta(days=2)).isoformat(), "status": final, "actor": "demo"}]))
        cash = order.channel in ("pos", "mpos") and len(payments) % 3 == 0
        payments.append(Payment(
            public_id=new_id("pay"), order=order, method="cash" if cash else "card_present"
            if order.channel in ("pos", "mpos") else "card", provider="cash" if cash else "terminal"
            if order.channel in ("pos", "mpos") else "testpay", status="captured" if status == "completed" else "voided",
            amount=order.total, created_at=t, updated_at=t))
    OrderLine.objects.bulk_create(order_lines, batch_size=1000)
    Fulfillment.objects.bulk_create(fulfillments, batch_size=1000)
    by_order: dict[int, list[OrderLine]] = {}
    for line in order_lines:
        by_order.setdefault(line.order_id, []).append(line)
    FulfillmentLine.objects.bulk_create([
        FulfillmentLine(fulfillment=f, order_line=line, sku=line.sku, quantity=line.quantity)
        for f in fulfillments for line in by_order[f.order_id]], batch_size=1000)
    Payment.objects.bulk_create(payments, batch_size=1000)
    # Returns: about 6% of completed remote orders, most at a store (bought online, returned in person).
    returns, return_lines, refunds, returned = [], [], [], []
    for order, pay, (_lines, _method, _source, _h, fate, status) in zip(orders, payments, plans, strict=True):
        if status != "completed" or not (.04 <= fate < .10):
            continue
        line = by_order[order.pk][0]
        credit = fate < .07 and bool(order.customer_id)
        ret = Return(public_id=new_id("ret"), order=order, location=rng.choice(STORES + [WAREHOUSE]),
                     refund_to="store_credit" if credit else "original", status="received",
                     created_at=order.placed_at + dt.timedelta(days=6), received_at=order.placed_at + dt.timedelta(days=6),
                     refunded=line.unit_price)
        returns.append(ret)
        return_lines.append((ret, ReturnLine(order_line=line, sku=line.sku, quantity=1, received=1,
                                             reason=rng.choice(["size", "changed_mind", "defective"]),
                                             condition="resellable")))
        refunds.append(Refund(public_id=new_id("rfd"), order=order, payment=None if credit else pay,
                              to="store_credit" if credit else "original", amount=line.unit_price, reason="return",
                              reference=ret.public_id, created_at=ret.created_at))
        if not credit:
            pay.refunded = line.unit_price
        returned.append(line.pk)
    OrderLine.objects.filter(pk__in=returned).update(returned=1)
    Return.objects.bulk_create(returns)
    for ret, rl in return_lines:
        rl.ret = ret
    ReturnLine.objects.bulk_create([rl for _, rl in return_lines])
    Refund.objects.bulk_create(refunds)
    Payment.objects.bulk_update([p for p in payments if p.refunded], ["refunded"], batch_size=500)


def _history_spend_for_tiers() -> None:
    """The bulk-written history never passed through OrderPaid, so loyalty has not seen its spend:
    hand it over (paid line totals less what returns refunded, under the keys loyalty's own earn and
    reversal use) and let the programme's tier rule place each customer; the year's net spend earns
    its points at the base rate, so an Oro customer does not stand at the till with none."""
    from omnicanal.loyalty.services import program

    spends: dict[str, list[program.PastSpend]] = {}
    paid = Order.objects.filter(placed_by="demo", paid_at__isnull=False).exclude(customer_id="")
    for order in paid.only("public_id", "customer_id", "subtotal", "currency", "paid_at"):
        spends.setdefault(order.customer_id, []).append(program.PastSpend(
            reference=f"order:{order.public_id}", amount=Money(order.subtotal, order.currency), at=order.paid_at or order.placed_at))
    for ret in Return.objects.filter(order__in=paid, status="received").select_related("order"):
        order = ret.order
        spends[order.customer_id].append(program.PastSpend(
            reference=f"return:{order.public_id}:{ret.public_id}", amount=Money(-ret.refunded, order.currency),
            at=ret.received_at or ret.created_at))
    program.do_import_spends(histories={c: spends[c] for c in sorted(spends)}, earn_points=True)


def _demo_cause(fate: float) -> str:
    """A cancelled order's cause from the draw that cancelled it (fate < .04): no draw of its own, so
    the rest of the demo stays as it was."""
    return ("customer_request" if fate < .015 else "out_of_stock" if fate < .025
            else "payment_abandoned" if fate < .035 else "other")


def _reason(method: str, source: str, handover: str) -> str:
    if method == "ship_to_store":
        return f"{handover} lacks stock: transfer from {source}, ready in 2 days"
    if method == "carry_out":
        return f"Carry-out: the goods leave {source} with the customer"
    if method in ("pickup", "curbside"):
        return f"{source}, the chosen store, has every line"
    return f"{source} has every line; nearest"


def _open_orders(rng, customer_ids, variants) -> int:
    """Recent orders placed through the services, left at every step of their fulfilment."""
    placed = 0
    stocked = [v.sku for v in variants]
    sold_on: dict[str, list[str]] = {}  # what each channel publishes (the marketplace carries about half)
    for i in range(OPEN):
        channel = rng.choice(["web", "web", "app", "app", "marketplace", "phone"])
        if channel not in sold_on:
            prices = catalog_queries.channel_prices(stocked, channel)
            sold_on[channel] = [sku for sku in stocked if sku in prices and prices[sku].sellable]
        method = rng.choice(["ship", "ship", "pickup", "pickup", "curbside", "pickup_point"])
        if channel == "marketplace":
            method = "ship"
        store = "SCL-CENTRO" if i % 2 == 0 else rng.choice(STORES)
        delivery = {"method": method, "location": LOCKER if method == "pickup_point" else store}
        if method == "ship":
            delivery = {"method": "ship", "address": _address(rng)}
        if method == "curbside" and store == "CCP-MALL":
            delivery["location"] = "SCL-CENTRO"
        try:
            with transaction.atomic():
                order = services.do_place_order(
                    channel=channel, customer_id=rng.choice(customer_ids) if customer_ids else "", delivery=delivery,
                    lines=[services.LineIn(sku, 1) for sku in rng.sample(sold_on[channel], k=rng.choice([1, 1, 2]))],
                    payments=[services.PaymentIn(method="card")])
                pay = Payment.objects.filter(order=order).first()
                if pay is not None and i % 5:
                    services.do_payment_event(provider=pay.provider, event_id=f"demo-{order.public_id}",
                                              payment_id=pay.public_id, status="captured")
                steps = {0: [], 1: ["pick"], 2: ["pick", "pack"], 3: ["pick", "pack", "ready"],
                         4: ["pick", "pack", "ready", "arrived"], 5: ["pick", "pack", "ship"]}[i % 6]
                for f in Fulfillment.objects.filter(order=order):
                    for action in steps:
                        step = services.GRAPH.get(f.method, {}).get(action)
                        if step is None or f.status not in step[0]:
                            continue
                        data = {"carrier": "Chilexpress", "tracking": f"CX{i:06d}", "parking_spot": f"E{i % 12}"}
                        f = services.do_transition(fulfillment_id=f.public_id, action=action, data=data)
            placed += 1
        except Problem:
            continue
    return placed


DISPUTE_NOTES = ["El courier dice que lo entregó, pero no recibí nada.", "Llevo dos semanas esperando.",
                 "La suela se despegó al segundo uso.", "Vino con una costura rota."]


def _paid_web_order(rng, customer_ids, stocked, at, *, deliver: bool):
    """A web order placed `at`, paid, shipped from its location and (when `deliver`) delivered."""
    with clock.frozen(at):
        order = services.do_place_order(channel="web", customer_id=rng.choice(customer_ids), delivery={
            "method": "ship", "address": _address(rng)}, lines=[services.LineIn(rng.choice(stocked), 1)],
            payments=[services.PaymentIn(method="card")])
        for pay in Payment.objects.filter(order=order):
            services.do_payment_event(provider=pay.provider, event_id=f"demo-{order.public_id}",
                                      payment_id=pay.public_id, status="captured")
        if deliver:
            for f in Fulfillment.objects.filter(order=order):
                for action in ("pick", "pack", "ship", "deliver"):
                    services.do_transition(fulfillment_id=f.public_id, action=action,
                                           data={"carrier": "Chilexpress", "tracking": f"CX{order.pk:06d}"})
    return order


def _disputes_and_mail_returns(rng, customer_ids, variants, now) -> tuple[int, int]:
    """Work for the disputes queue (late orders not received, defective goods, one decided) and the
    returns desk (returns by mail with their label, one parcel already on its way)."""
    if not customer_ids:
        return 0, 0
    stocked = [v.sku for v in variants[:40]]
    disputes = parcels = 0
    for i in range(5):
        try:
            with transaction.atomic():
                late = i < 3
                placed_at = now - dt.timedelta(days=12 + i)
                order = _paid_web_order(rng, customer_ids, stocked, placed_at, deliver=not late)
                # Opened days after the order (a late parcel claimed in the last day, once past its
                # promised date and grace; a defect four days after it arrived), never at the moment
                # the demo loads: the dispute page shows when.
                opened_at = (now - dt.timedelta(hours=rng.randint(2, 20)) if late
                             else placed_at + dt.timedelta(days=4, hours=rng.randint(1, 9)))
                with clock.frozen(opened_at):
                    dispute = services.do_open_dispute(order=order, kind="not_received" if late else "defective",
                                                       note=DISPUTE_NOTES[i % len(DISPUTE_NOTES)])
                if i == 4:  # one already decided, a day later: a partial refund of a fifth of what was paid
                    paid = services.paid_amount(order)
                    with clock.frozen(opened_at + dt.timedelta(days=1)):
                        services.do_decide_dispute(dispute_id=dispute.public_id, decision="partial_refund",
                                                   amount=Money((paid.amount / 5).quantize(Decimal(1)), paid.currency),
                                                   actor=services.SYSTEM, note="demo")
            disputes += 1
        except Problem:
            continue
    for i in range(3):
        try:
            with transaction.atomic():
                order = _paid_web_order(rng, customer_ids, stocked, now - dt.timedelta(days=6 + i), deliver=True)
                line = order.lines.first()
                ret = services.do_request_return(order=order, location=services.MAIL, lines=[
                    {"sku": line.sku, "quantity": 1, "reason": rng.choice(["size", "changed_mind"])}])
                if i == 0:
                    services.do_mark_return_sent(return_id=ret.public_id)
            parcels += 1
        except Problem:
            continue
    return disputes, parcels
