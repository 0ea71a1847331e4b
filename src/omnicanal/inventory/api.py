"""The inventory's HTTP API (/api/v1): locations, stock, movements, counts, availability,
reservations and transfers. Handlers parse, check the role (and a clerk's location), call one
service and answer; the middleware makes every write one transaction."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import ValidationError as PydanticValidationError

from omnicanal.catalog import queries as catalog
from omnicanal.core.auth import Principal, require_location
from omnicanal.core.auth import require_role as _require_role
from omnicanal.core.errors import FieldError, InsufficientStock, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.core.openapi import errors, inline_schema
from omnicanal.inventory import queries, roles, services
from omnicanal.inventory.models import Location, StockMovement
from omnicanal.inventory.schemas import (
    AdjustmentIn,
    AvailabilityBulkIn,
    AvailabilityBulkOut,
    AvailabilityOut,
    ChannelLinkIn,
    ChannelLinkOut,
    CountIn,
    CountOut,
    LocationIn,
    LocationOut,
    MovementOut,
    ReceiptIn,
    ReservationIn,
    ReservationOut,
    StockIn,
    StockOut,
    TransferIn,
    TransferOut,
    TransferReceiveIn,
)

router = Router(tags=["inventory"])

SCOPE = "stock"  # what an integration key needs for anything here (core.auth scopes)


def require_role(request, *roles: str) -> Principal:
    return _require_role(request, *roles, scope=SCOPE)


def _visible_transfer(principal: Principal, transfer_id: str):
    """A transfer from or to one of the principal's locations; between other stores it is 404."""
    transfer = queries.get_transfer(transfer_id)
    if not (principal.may_act_on(transfer.origin.code) or principal.may_act_on(transfer.destination.code)):
        raise NotFound(detail=f"No transfer {transfer_id}.")
    return transfer


def location_out(location: Location) -> dict:
    address = None
    if location.line1 or location.city:
        address = {"line1": location.line1, "line2": location.line2 or None, "city": location.city,
                   "region": location.region or None, "postal_code": location.postal_code or None,
                   "country": location.country}
    return {
        "code": location.code, "name": location.name, "kind": location.kind, "capabilities": location.capabilities,
        "address": address, "lat": location.lat, "lon": location.lon, "timezone": location.timezone,
        "opening_hours": location.opening_hours, "active": location.active,
        "channels": [{"channel": link.channel_id, "ships": link.ships, "pickup": link.pickup,
                      "safety_stock": link.safety_stock, "priority": link.priority}
                     for link in sorted(location.channel_links.all(), key=lambda link: link.channel_id)],
    }


def movement_out(m: StockMovement) -> dict:
    return {"id": m.pk, "location": m.stock.location.code, "sku": m.stock.variant.sku, "kind": m.kind,
            "quantity": m.quantity, "on_hand_after": m.on_hand_after, "reference": m.reference, "reason": m.reason,
            "actor": m.actor, "at": m.at.isoformat()}


def _at_location(request: HttpRequest, code: str, *roles: str) -> tuple[Principal, Location]:
    principal = require_role(request, *roles)
    require_location(principal, code)
    return principal, queries.get_location(code)


# --- locations ------------------------------------------------------------------------------------


@router.post("/locations", response={201: LocationOut}, summary="Create a location and the channels it serves")
def create_location(request: HttpRequest, body: LocationIn):
    """Creates a location (warehouse, store, dark store, supplier, pickup point) with its capabilities,
    address, opening hours and time zone."""
    principal = require_role(request, *roles.LOCATIONS)
    location = services.do_create_location(
        code=body.code, name=body.name, kind=body.kind, capabilities=body.capabilities,
        address=body.address.dict() if body.address else None, lat=body.lat, lon=body.lon,
        timezone=body.timezone or "America/Santiago", opening_hours=body.opening_hours,
        channels=[link.dict() for link in body.channels] if body.channels is not None else None, actor=principal,
    )
    return Status(201, location_out(queries.get_location(location.code)))


@router.get("/locations", response=list[LocationOut], summary="Every active location")
def list_locations(request: HttpRequest):
    """Every active location with its kind and capabilities."""
    require_role(request, *roles.READ)
    return [location_out(loc) for loc in queries.locations()]


@router.get("/locations/{code}", response=LocationOut)
def get_location(request: HttpRequest, code: str):
    """A location with its capabilities, channels, address, opening hours and time zone."""
    require_role(request, *roles.READ)
    return location_out(queries.get_location(code))


@router.put("/locations/{code}/channels/{channel}", response=ChannelLinkOut | None,
            summary="How a location serves a channel (ships, pickup, safety stock); neither removes the link")
def put_channel_link(request: HttpRequest, code: str, channel: str, body: ChannelLinkIn):
    """Sets how a location serves a channel (ships, offers pickup, its safety stock); a link with neither is
    kept, not removed."""
    require_role(request, *roles.LOCATIONS)
    location = queries.get_location(code)
    link = services.do_link_channel(location=location, channel=channel, ships=body.ships, pickup=body.pickup,
                                    safety_stock=body.safety_stock, priority=body.priority)
    if link is None:
        return None
    return {"channel": link.channel_id, "ships": link.ships, "pickup": link.pickup,
            "safety_stock": link.safety_stock, "priority": link.priority}


# --- stock ------------------------------------------------------------------------------------------


@router.put("/stock/{location}/{sku}", response=StockOut, summary="Set the counted quantity; a movement records the difference")
def put_stock(request: HttpRequest, location: str, sku: str, body: StockIn):
    """Sets the counted quantity of a SKU at a location; a movement records the difference."""
    principal, loc = _at_location(request, location, *roles.STOCK_WRITE)
    count = services.do_count(location=loc, lines=[(sku, body.on_hand)], reason=body.reason or "api", actor=principal)
    movement = queries.movements(reference=count.public_id).first()
    return {**queries.stock_level(location=location, sku=sku), "count_id": count.public_id,
            "movement": movement_out(movement) if movement else None}


@router.get("/stock/{location}/{sku}", response=StockOut)
def get_stock(request: HttpRequest, location: str, sku: str):
    """One SKU's stock at one location: on hand, reserved, safety stock and available."""
    require_role(request, *roles.READ)
    return queries.stock_level(location=location, sku=sku)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= 1000:
        raise ValidationFailed.on("limit", "must be between 1 and 1000")
    if not 0 <= offset <= 10_000_000:
        raise ValidationFailed.on("offset", "must be between 0 and 10000000")


@router.get("/stock", response=list[StockOut], summary="Stock rows; filter by sku, location, low (available ≤ low)")
def list_stock(request: HttpRequest, sku: str = "", location: str = "", low: int | None = None, limit: int = 200,
               offset: int = 0):
    """Stock rows filtered by SKU, location, or `low` (available at or below it)."""
    require_role(request, *roles.READ)
    _check_page(limit, offset)
    rows = queries.stock_rows(sku=sku, location=location, low=low)[offset: offset + limit]
    return [{"location": r.location.code, "sku": r.variant.sku, "on_hand": r.on_hand, "reserved": r.reserved,
             "available": r.on_hand - r.reserved} for r in rows]


@router.post("/locations/{location}/receipts", response={201: list[StockOut]}, summary="Goods in: a delivery or a return")
def post_receipt(request: HttpRequest, location: str, body: ReceiptIn):
    """Goods in at a location (a supplier's delivery or a return), recorded as stock movements."""
    principal, loc = _at_location(request, location, *roles.STOCK_WRITE)
    services.do_receive_stock(location=loc, lines=[(line.sku, line.quantity) for line in body.lines], kind=body.kind,
                              reference=body.reference, reason=body.reason, actor=principal)
    return Status(201, [queries.stock_level(location=location, sku=s) for s in dict.fromkeys(x.sku for x in body.lines)])


@router.post("/locations/{location}/adjustments", response={201: StockOut}, summary="A change with a reason (damaged, found)")
def post_adjustment(request: HttpRequest, location: str, body: AdjustmentIn):
    """Changes a location's stock by a quantity with a reason (damaged, found, …), recorded in the ledger and
    the audit log."""
    principal, loc = _at_location(request, location, *roles.STOCK_WRITE)
    services.do_adjust_stock(location=loc, sku=body.sku, delta=body.delta, reason=body.reason, actor=principal)
    return Status(201, queries.stock_level(location=location, sku=body.sku))


@router.get("/movements", response=list[MovementOut], summary="The stock ledger, newest first")
def list_movements(request: HttpRequest, location: str = "", sku: str = "", kind: str = "", reference: str = "",
                   limit: int = 100, offset: int = 0):
    """The stock ledger (sales, receipts, adjustments, transfers, counts), newest first, filtered by the query
    parameters."""
    principal = require_role(request, *roles.STOCK_WRITE)
    _check_page(limit, offset)
    codes = sorted(principal.locations) if principal.locations is not None else None
    qs = queries.movements(location=location, sku=sku, kind=kind, reference=reference, location_codes=codes)
    return [movement_out(m) for m in qs[offset: offset + limit]]


@router.post("/counts", response={201: CountOut}, summary="A cycle count; answers the variance report")
def post_count(request: HttpRequest, body: CountIn):
    """Records a cycle count at a location; each counted quantity replaces the book quantity and the answer is
    the variance report."""
    principal, loc = _at_location(request, body.location, *roles.STOCK_WRITE)
    count = services.do_count(location=loc, lines=[(line.sku, line.counted) for line in body.lines],
                              reason=body.reason, actor=principal)
    return Status(201, count_out(count))


@router.get("/counts/{count_id}", response=CountOut)
def get_count(request: HttpRequest, count_id: str):
    """A cycle count with its lines and the variance it recorded."""
    principal = require_role(request, *roles.STOCK_WRITE)
    count = queries.get_count(count_id)
    require_location(principal, count.location.code)
    return count_out(count)


def count_out(count) -> dict:
    report = queries.variance_report(count)
    return {**report, "at": report["at"].isoformat(),
            "variance_value": Money.of(report["variance_value"]).as_dict(),
            "lines": [{**line, "value": str(Money.of(line["value"]).amount)} for line in report["lines"]]}


# --- availability -----------------------------------------------------------------------------------


def availability_out(a: queries.Availability) -> dict:
    return {"sku": a.sku, "channel": a.channel, "available": a.available,
            "locations": [p.__dict__ for p in a.locations]}


@router.get("/availability", response=AvailabilityOut | AvailabilityBulkOut,
            summary="What can be promised now on a channel; `skus=a,b,c` for several")
def get_availability(request: HttpRequest, channel: str, sku: str = "", skus: str = "", lat: float | None = None,
                     lon: float | None = None):
    """What can be promised now on a channel: on hand minus reserved minus safety stock, in total and per
    location, with whether each location offers pickup. `skus=a,b,c` asks for several."""
    require_role(request, *roles.READ)
    _known_channel(channel)
    if skus:
        wanted = [s for s in skus.split(",") if s]
        found = queries.availability_many(skus=wanted, channel=channel, lat=lat, lon=lon)
        return {"channel": channel, "items": [availability_out(a) for a in found.values()]}
    if not sku:
        raise ValidationFailed.on("sku", "is required")
    _known_sku([sku])
    return availability_out(queries.availability(sku=sku, channel=channel, lat=lat, lon=lon))


@router.post("/availability/bulk", response=AvailabilityBulkOut, summary="Availability of many SKUs in one call (feeds)")
def post_availability_bulk(request: HttpRequest, body: AvailabilityBulkIn):
    """Availability of many SKUs on one channel in a single call, for feeds and marketplaces."""
    require_role(request, *roles.READ)
    _known_channel(body.channel)
    found = queries.availability_many(skus=body.skus, channel=body.channel, lat=body.lat, lon=body.lon)
    return {"channel": body.channel, "items": [availability_out(a) for a in found.values()]}


def _known_channel(code: str) -> None:
    catalog.get_channel(code)  # 404 for a channel that does not exist


def _known_sku(skus: list[str]) -> None:
    for sku in skus:
        catalog.get_variant(sku)


# --- reservations -----------------------------------------------------------------------------------


def reservation_out(r) -> dict:
    return {"id": r.public_id, "reference": r.reference, "channel": r.channel_id, "status": r.status,
            "created_at": r.created_at.isoformat(), "expires_at": r.expires_at.isoformat() if r.expires_at else None,
            "lines": queries.reservation_lines(r)}


@router.post("/reservations", response={201: ReservationOut, **errors(InsufficientStock)},
             summary="Hold every line or none (409 insufficient-stock names the short lines)")
def create_reservation(request: HttpRequest, body: ReservationIn):
    """Holds stock for every line or for none, under row locks, until it expires; 409 `insufficient-stock`
    names the short lines."""
    principal = require_role(request, *roles.RESERVE)
    reservation = services.do_reserve(
        reference=body.reference, channel=body.channel,
        lines=[services.ReserveLine(sku=x.sku, quantity=x.quantity, location=x.location) for x in body.lines],
        locations=body.locations, expires_in=timedelta(seconds=body.ttl_seconds) if body.ttl_seconds else None,
        actor=principal,
    )
    return Status(201, reservation_out(queries.get_reservation(reservation.id)))


@router.get("/reservations", response=list[ReservationOut])
def list_reservations(request: HttpRequest, reference: str = "", status: str = "", limit: int = 100):
    """Reservations, newest first."""
    require_role(request, *roles.RESERVE)
    return [reservation_out(r) for r in queries.reservations(reference=reference, status=status)[: max(1, min(limit, 500))]]


@router.get("/reservations/{reservation_id}", response=ReservationOut)
def get_reservation(request: HttpRequest, reservation_id: str):
    """A reservation with its lines, locations, status and expiry."""
    require_role(request, *roles.RESERVE)
    return reservation_out(queries.get_reservation(reservation_id))


@router.post("/reservations/{reservation_id}/release", response=ReservationOut)
def release_reservation(request: HttpRequest, reservation_id: str, location: Query[str | None] = None):
    """Releases the units a reservation holds, back to available."""
    principal = require_role(request, *roles.RESERVE)
    return reservation_out(services.do_release(reservation_id=reservation_id, location=location, actor=principal))


@router.post("/reservations/{reservation_id}/commit", response=ReservationOut,
             summary="Fulfilment: the held units leave as sales (optionally only those at `location`)")
def commit_reservation(request: HttpRequest, reservation_id: str, location: Query[str | None] = None):
    """Fulfilment: the units a reservation holds leave as sales (all of them, or only those at `location`),
    recorded as stock movements."""
    principal = require_role(request, *roles.RESERVE)
    return reservation_out(services.do_commit(reservation_id=reservation_id, location=location, actor=principal))


# --- transfers ----------------------------------------------------------------------------------------


def transfer_out(t) -> dict:
    return {"id": t.public_id, "origin": t.origin.code, "destination": t.destination.code, "status": t.status,
            "reference": t.reference, "note": t.note, "created_at": t.created_at.isoformat(),
            "shipped_at": t.shipped_at.isoformat() if t.shipped_at else None,
            "received_at": t.received_at.isoformat() if t.received_at else None, "lines": queries.transfer_lines(t)}


@router.post("/transfers", response={201: TransferOut}, summary="Request a transfer (ship: true ships it at once)")
def create_transfer(request: HttpRequest, body: TransferIn):
    """Requests a transfer of units between two locations; `ship: true` ships it at once."""
    principal = require_role(request, *roles.STOCK_WRITE)
    if not (principal.may_act_on(body.origin) or principal.may_act_on(body.destination)):
        require_location(principal, body.origin)
    transfer = services.do_request_transfer(
        origin=queries.get_location(body.origin), destination=queries.get_location(body.destination),
        lines=[(x.sku, x.quantity) for x in body.lines], reference=body.reference, note=body.note, actor=principal,
    )
    if body.ship:
        require_location(principal, body.origin)
        services.do_ship_transfer(transfer_id=transfer.id, actor=principal)
    return Status(201, transfer_out(queries.get_transfer(transfer.id)))


@router.get("/transfers", response=list[TransferOut])
def list_transfers(request: HttpRequest, status: str = "", limit: int = 100):
    """Transfers between locations, newest first."""
    principal = require_role(request, *roles.STOCK_WRITE)
    codes = sorted(principal.locations) if principal.locations is not None else None
    return [transfer_out(t) for t in queries.transfers(status=status, location_codes=codes)[: max(1, min(limit, 500))]]


@router.get("/transfers/{transfer_id}", response=TransferOut)
def get_transfer(request: HttpRequest, transfer_id: str):
    """A transfer with its lines and status (requested, shipped, received, cancelled)."""
    principal = require_role(request, *roles.STOCK_WRITE)
    return transfer_out(_visible_transfer(principal, transfer_id))


@router.post("/transfers/{transfer_id}/ship", response=TransferOut)
def ship_transfer(request: HttpRequest, transfer_id: str):
    """Ships a requested transfer: its units leave the origin."""
    principal = require_role(request, *roles.STOCK_WRITE)
    require_location(principal, _visible_transfer(principal, transfer_id).origin.code)
    services.do_ship_transfer(transfer_id=transfer_id, actor=principal)
    return transfer_out(queries.get_transfer(transfer_id))


def _optional_body(request: HttpRequest, schema):
    """Action endpoints accept no body at all as well as JSON (`POST …/receive` with nothing)."""
    if request.content_type != "application/json" or not request.body.strip():
        return None
    try:
        return schema.model_validate_json(request.body)
    except PydanticValidationError as exc:
        raise ValidationFailed(detail="The request has invalid fields.", errors=[
            FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()]) from exc


@router.post("/transfers/{transfer_id}/receive", response=TransferOut,
             summary="Arrival at the destination; body `{lines: [{sku, quantity}]}`, or none: everything arrived",
             openapi_extra={"requestBody": {"required": False, "content": {"application/json": {
                 "schema": inline_schema(TransferReceiveIn)}}}})
def receive_transfer(request: HttpRequest, transfer_id: str):
    """Records a transfer's arrival: `{lines: [{sku, quantity}]}` for what arrived, or no body when everything
    did."""
    principal = require_role(request, *roles.STOCK_WRITE)
    require_location(principal, _visible_transfer(principal, transfer_id).destination.code)
    body = _optional_body(request, TransferReceiveIn)
    received = {x.sku: x.quantity for x in body.lines} if body and body.lines is not None else None
    services.do_receive_transfer(transfer_id=transfer_id, received=received, actor=principal)
    return transfer_out(queries.get_transfer(transfer_id))


@router.post("/transfers/{transfer_id}/cancel", response=TransferOut)
def cancel_transfer(request: HttpRequest, transfer_id: str):
    """Cancels a transfer that has not shipped; nothing moves."""
    principal = require_role(request, *roles.STOCK_WRITE)
    _visible_transfer(principal, transfer_id)
    services.do_cancel_transfer(transfer_id=transfer_id, actor=principal)
    return transfer_out(queries.get_transfer(transfer_id))
