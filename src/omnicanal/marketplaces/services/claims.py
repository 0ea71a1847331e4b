"""Mercado Libre's claims and their returns into our order book, through orders' services.

A claim (GET /post-purchase/v1/claims/{id}: `resource` "order", `resource_id` the marketplace order,
`reason_id` PNR… not received / PDD… different or defective, `status` opened|closed, `stage`,
`related_entities` ["return"] when the buyer ships the goods back, `resolution` {reason, benefited}
once closed) becomes a dispute on our order (orders.do_open_dispute with the claim as its external
reference: the marketplace's rules let the buyer claim, not our timing rule). Its return (GET
/post-purchase/v2/claims/{id}/returns: `status`, `shipping` {status, tracking_number}, `orders`
[{item_id, return_quantity}]) becomes a return on our order at the warehouse returns go to
(orders.return_destination), received (stock back for a not-received claim, as damaged for a
defective one; the refund recorded) when the marketplace says the parcel was delivered to us. A
closed claim resolves the dispute: `refund` when the buyer was given the money (benefited
complainant), `reject` when the seller won. One MarketplaceClaim row per claim and the dispute's
external reference make a replay change nothing."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import Problem
from omnicanal.marketplaces import client
from omnicanal.marketplaces.models import MarketplaceAccount, MarketplaceClaim, MarketplaceOrder
from omnicanal.marketplaces.services import tokens
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders

KINDS = {"PNR": "not_received", "PDD": "defective"}  # reason_id prefixes → our dispute kinds
RETURN_DELIVERED = ("delivered",)  # the return parcel reached the seller


def claim_path(claim_id) -> str:
    return f"/post-purchase/v1/claims/{claim_id}"


def claim_id_of(resource: str) -> str:
    """The claim's id from a notification's resource (/post-purchase/v1/claims/123, /v1/claims/123…)."""
    tail = resource.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail.isdigit() else ""


def kind_of(claim: dict) -> str:
    reason = str(claim.get("reason_id") or "").upper()
    return next((kind for prefix, kind in KINDS.items() if reason.startswith(prefix)), "")


def external_ref(claim_id: str) -> str:
    return f"mercadolibre:{claim_id}"


def fetch(account_pk: int, claim_id: str) -> tuple[dict, dict | None]:
    """The claim and, when it has one, its return (the network: outside any transaction)."""
    claim = tokens.call(account_pk, "GET", claim_path(claim_id))
    related = [str(e).lower() for e in claim.get("related_entities") or []]
    returned = None
    if "return" in related or claim.get("type") == "return":
        try:
            returned = tokens.call(account_pk, "GET", f"/post-purchase/v2/claims/{claim_id}/returns")
        except client.ApiError as exc:
            if exc.retryable or exc.invalid_token:
                raise
    return claim, returned


def search_order_claims(account_pk: int, external_order_id: str) -> list[str]:
    """The claim ids of one marketplace order (GET /post-purchase/v1/claims/search?resource_id=…)."""
    found = tokens.call(account_pk, "GET", f"/post-purchase/v1/claims/search?resource=order&resource_id="
                                           f"{external_order_id}")
    return [str(c["id"]) for c in found.get("data") or [] if c.get("id")]


def _row(account: MarketplaceAccount, claim: dict) -> MarketplaceClaim:
    now = clock.now()
    row, _created = MarketplaceClaim.objects.select_for_update().get_or_create(
        account=account, claim_id=str(claim["id"]), defaults={"received_at": now, "updated_at": now})
    row.external_order_id = str(claim.get("resource_id") or row.external_order_id)[:40]
    row.reason_id = str(claim.get("reason_id") or "")[:20]
    row.status, row.stage = str(claim.get("status") or "")[:20], str(claim.get("stage") or "")[:20]
    row.resolution = str((claim.get("resolution") or {}).get("reason") or "")[:60]
    row.updated_at = now
    return row


def _open(row: MarketplaceClaim, order, claim: dict, kind: str) -> None:
    if row.dispute_id:
        return
    note = _("Claim %(claim)s on Mercado Libre (reason %(reason)s).") % {"claim": row.claim_id,
                                                                         "reason": row.reason_id or "-"}
    with transaction.atomic():
        dispute = orders.do_open_dispute(order=order, kind=kind, note=note, external_ref=external_ref(row.claim_id))
    row.dispute_id = dispute.public_id


def _return(row: MarketplaceClaim, order, returned: dict, kind: str) -> None:
    shipping = returned.get("shipping") or {}
    shipments = returned.get("shipments") or []
    status = str(shipping.get("status") or (shipments[0].get("status") if shipments else "") or "")
    row.return_status = (status or str(returned.get("status") or ""))[:30]
    row.return_tracking = str(shipping.get("tracking_number") or "")[:60]
    if not row.return_id:
        lines = _return_lines(order, returned)
        if not lines:
            return
        with transaction.atomic():
            ret = orders.do_request_return(order=order, location=orders.return_destination(order), lines=lines)
        row.return_id = ret.public_id
    if status in RETURN_DELIVERED:
        ret = orders_queries.get_return(row.return_id)
        if ret.status in ("requested", "in_transit"):
            condition = "damaged" if kind == "defective" else "resellable"
            with transaction.atomic():
                orders.do_receive_return(return_id=row.return_id, lines=[
                    {"sku": rl.sku, "quantity": rl.quantity, "condition": condition} for rl in ret.lines.all()])


def _return_lines(order, returned: dict) -> list[dict]:
    """What comes back, by SKU: the return's order entries (return_quantity), else the whole order."""
    lines = {line.sku: line.quantity - line.cancelled - line.returned for line in order.lines.all()}
    wanted = sum(int(o.get("return_quantity") or o.get("total_quantity") or 0) for o in returned.get("orders") or [])
    out = []
    for sku, left in lines.items():
        quantity = min(left, wanted) if wanted else left
        if quantity > 0:
            out.append({"sku": sku, "quantity": quantity, "reason": "mercadolibre"})
            wanted = max(wanted - quantity, 0) if wanted else 0
    return out


def _close(row: MarketplaceClaim, claim: dict) -> None:
    if not row.dispute_id or claim.get("status") != "closed":
        return
    dispute = orders_queries.get_dispute(row.dispute_id)
    if dispute.status != "open":
        return
    benefited = [str(b) for b in (claim.get("resolution") or {}).get("benefited") or []]
    decision = "refund" if "complainant" in benefited else "reject"
    with transaction.atomic():
        orders.do_decide_dispute(dispute_id=row.dispute_id, decision=decision, actor=orders.SYSTEM,
                                 note=_("Closed on Mercado Libre: %(reason)s") % {"reason": row.resolution or "-"})


def do_import_claim(*, account_pk: int, claim: dict, returned: dict | None = None) -> MarketplaceClaim | None:
    """Bring our book in line with one claim (idempotent): the dispute, the return, the outcome."""
    account = MarketplaceAccount.objects.get(pk=account_pk)
    if str(claim.get("resource") or "order") != "order" or not claim.get("id"):
        return None
    row = _row(account, claim)
    link = MarketplaceOrder.objects.filter(account=account, external_id=row.external_order_id).first()
    kind = kind_of(claim)
    if link is None or not link.order_id:
        row.note = _("The claim's order is not in our book.")
    elif not kind:
        row.note = _("A claim of reason %(reason)s is not a dispute here.") % {"reason": row.reason_id or "-"}
    else:
        order = orders_queries.get_order(link.order_id)
        try:
            _open(row, order, claim, kind)
            if returned:
                _return(row, order, returned, kind)
            _close(row, claim)
            row.note = ""
        except Problem as problem:  # kept with the reason; the next notification of the claim tries again
            row.note = str(problem.detail or problem.title)[:300]
    row.save()
    return row
