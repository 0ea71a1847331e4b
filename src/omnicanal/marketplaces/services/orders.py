"""A Mercado Libre order into the one order book, through orders' services, once.

The marketplace's order (GET /orders/{id}) becomes one order on channel `marketplace`: the buyer
resolved by customers as a `marketplace` identity ("MLC-<buyer id>"), each line by its SKU (the
item's seller_sku, else the SKU the item is linked to here), shipped to the shipment's receiver
address, paid to the marketplace (orders' `marketplace` provider: captured), each line at the
`unit_price` the buyer paid there (orders' external price: the catalog still says the SKU is sold
on the channel; the marketplace's own shipping is not charged again). Its sale fees are kept
on our MarketplaceOrder row and in the order's contact facts (`contact.marketplace`), since orders has
no fee ledger. The import runs under the seller's row lock and the (account, marketplace order) row
is unique, so a replayed or concurrent notification finds the order already there and changes
nothing; a cancellation there cancels ours (stock released)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import Problem
from omnicanal.core.money import Money
from omnicanal.customers import services as customers
from omnicanal.marketplaces import locks
from omnicanal.marketplaces.models import MarketplaceAccount, MarketplaceListing, MarketplaceOrder
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders

CHANNEL = "marketplace"
# Mercado Libre's order statuses: we place an order once it is paid; these end it.
PLACE_WHEN = ("paid",)
CANCELLED = ("cancelled", "invalid")


def buyer_identity(account: MarketplaceAccount, buyer_id) -> str:
    return f"{account.site_id}-{buyer_id}"


def _sku_of(account: MarketplaceAccount, item: dict) -> str:
    sku = (item.get("seller_sku") or item.get("seller_custom_field") or "").strip()
    if sku:
        return sku
    linked = MarketplaceListing.objects.filter(account=account, item_id=item.get("id") or "-").first()
    return linked.sku if linked else ""


def _address(shipment: dict | None) -> dict:
    receiver = (shipment or {}).get("receiver_address") or {}
    line1 = receiver.get("address_line") or " ".join(
        str(receiver.get(k) or "") for k in ("street_name", "street_number")).strip()
    return {
        "line1": line1 or _("Delivered by Mercado Libre"),
        "city": ((receiver.get("city") or {}).get("name") or ""),
        "region": ((receiver.get("state") or {}).get("name") or ""),
        "postal_code": receiver.get("zip_code") or "",
        "country": ((receiver.get("country") or {}).get("id") or "CL"),
    }


def _fees(data: dict) -> Decimal:
    return sum((Decimal(str(row.get("sale_fee") or 0)) * int(row.get("quantity") or 1)
                for row in data.get("order_items") or []), Decimal(0))


def _place(account: MarketplaceAccount, row: MarketplaceOrder, data: dict, shipment: dict | None) -> None:
    lines: dict[str, int] = {}
    prices: dict[str, Money] = {}
    for entry in data.get("order_items") or []:
        sku = _sku_of(account, entry.get("item") or {})
        if not sku:
            row.note = _("A line has no SKU we know (item %(item)s).") % {"item": (entry.get("item") or {}).get("id")}
            return
        lines[sku] = lines.get(sku, 0) + int(entry.get("quantity") or 0)
        if entry.get("unit_price") is not None:  # the price the buyer paid there (orders takes it)
            prices[sku] = Money(Decimal(str(entry["unit_price"])), str(entry.get("currency_id") or row.currency))
    buyer = data.get("buyer") or {}
    name = " ".join(str(buyer.get(k) or "") for k in ("first_name", "last_name")).strip() or buyer.get("nickname", "")
    identified = customers.do_identify(
        channel=CHANNEL, identities=[{"kind": "marketplace", "value": buyer_identity(account, buyer.get("id"))}],
        traits={"name": name} if name else {})
    contact = {"name": name, "marketplace": {"name": "mercadolibre", "order_id": row.external_id,
                                              "fees": {"amount": str(row.fees), "currency": row.currency}}}
    try:
        with transaction.atomic():  # a refusal (no stock, unknown SKU) undoes only the placement
            order = orders.do_place_order(
                channel=CHANNEL, customer_id=identified.customer_id,
                lines=[orders.LineIn(sku=sku, quantity=q, unit_price=prices.get(sku)) for sku, q in lines.items()],
                delivery={"method": "ship", "address": _address(shipment)}, contact=contact,
                payments=[orders.PaymentIn(method="card", provider="marketplace")])
    except Problem as problem:
        row.note = str(problem.detail or problem.title)[:300]
        return
    row.order_id = order.public_id
    row.note = ""


def cancel(row: MarketplaceOrder) -> None:
    """Cancel our order of a marketplace order cancelled there (nothing once cancelled; a refusal,
    because part of it already left, is noted on the row)."""
    order = orders_queries.get_order(row.order_id)
    if order.cancelled_at is not None:
        return
    try:
        with transaction.atomic():
            orders.do_cancel_order(order=order, reason=_("Cancelled on Mercado Libre"), cause="marketplace")
    except Problem as problem:  # part of it already left: a claim, not a cancellation
        row.note = str(problem.detail or problem.title)[:300]


def do_import_order(*, account_pk: int, data: dict, shipment: dict | None = None) -> MarketplaceOrder:
    """Record the marketplace's order and bring ours in line with it (idempotent)."""
    account = locks.account(account_pk)
    now = clock.now()
    external_id = str(data["id"])
    status = str(data.get("status") or "")
    row = MarketplaceOrder.objects.filter(account=account, external_id=external_id).first()
    if row is None:
        row = MarketplaceOrder(account=account, external_id=external_id, imported_at=now,
                               currency=str(data.get("currency_id") or "CLP"),
                               total=Decimal(str(data.get("total_amount") or 0)), fees=_fees(data))
    row.status, row.updated_at = status, now
    shipping = data.get("shipping") or {}
    if shipping.get("id"):
        row.shipment_id = str(shipping["id"])
    if shipment:
        row.logistic_type = str(shipment.get("logistic_type") or "")[:40]
        row.shipment_status = str(shipment.get("status") or "")[:40]
    if not row.order_id and status in PLACE_WHEN:
        _place(account, row, data, shipment)
    elif row.order_id and status in CANCELLED:
        cancel(row)
    row.save()
    return row

