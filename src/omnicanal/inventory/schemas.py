"""Wire shapes of the inventory API."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from omnicanal.core.schemas import AddressIn, Quantity


class ChannelLinkIn(Schema):
    channel: str = Field(min_length=1, max_length=30)
    ships: bool = True
    pickup: bool = False
    safety_stock: Quantity = Field(default=0, ge=0, le=100000)
    priority: Quantity = Field(default=100, ge=0, le=10000)


class LocationIn(Schema):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(pattern="^(warehouse|store|dark_store|supplier|pickup_point)$")
    capabilities: list[str] = Field(default_factory=list, max_length=4)
    address: AddressIn | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    timezone: str | None = Field(default=None, max_length=64)
    opening_hours: dict[str, str] | None = None
    channels: list[ChannelLinkIn] | None = None


class ChannelLinkOut(Schema):
    channel: str
    ships: bool
    pickup: bool
    safety_stock: int
    priority: int


class LocationOut(Schema):
    code: str
    name: str
    kind: str
    capabilities: list[str]
    address: dict | None
    lat: float | None
    lon: float | None
    timezone: str
    opening_hours: dict
    active: bool
    channels: list[ChannelLinkOut]


class StockIn(Schema):
    on_hand: Quantity = Field(ge=0, le=10_000_000)
    reason: str = Field(default="", max_length=200)


class MovementOut(Schema):
    id: int
    location: str
    sku: str
    kind: str
    quantity: int
    on_hand_after: int
    reference: str
    reason: str
    actor: str
    at: str


class StockOut(Schema):
    location: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    movement: MovementOut | None = None
    count_id: str | None = None


class QuantityLine(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(gt=0, le=1_000_000)


class ReceiptIn(Schema):
    lines: list[QuantityLine] = Field(min_length=1, max_length=500)
    reference: str = Field(default="", max_length=64)
    kind: str = Field(default="receipt", pattern="^(receipt|return)$")
    reason: str = Field(default="", max_length=200)


class AdjustmentIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    delta: Quantity = Field(ge=-1_000_000, le=1_000_000)
    reason: str = Field(min_length=1, max_length=200)


class CountLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    counted: Quantity = Field(ge=0, le=10_000_000)


class CountIn(Schema):
    location: str
    lines: list[CountLineIn] = Field(min_length=1, max_length=2000)
    reason: str = Field(default="", max_length=200)


class LocationAvailabilityOut(Schema):
    code: str
    name: str
    kind: str
    available: int
    pickup: bool
    pickup_today: bool
    open_now: bool
    ships: bool
    distance_km: float | None


class AvailabilityOut(Schema):
    sku: str
    channel: str
    available: int
    locations: list[LocationAvailabilityOut]


class AvailabilityBulkIn(Schema):
    channel: str = Field(min_length=1, max_length=30)
    skus: list[str] = Field(min_length=1, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class AvailabilityBulkOut(Schema):
    channel: str
    items: list[AvailabilityOut]


class ReserveLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(gt=0, le=100_000)
    location: str | None = Field(default=None, max_length=32)


class ReservationIn(Schema):
    reference: str = Field(min_length=1, max_length=64)
    channel: str = Field(min_length=1, max_length=30)
    lines: list[ReserveLineIn] = Field(min_length=1, max_length=500)
    locations: list[str] | None = Field(default=None, max_length=200)
    ttl_seconds: int | None = Field(default=1800, gt=0, le=30 * 86400, description="null: until released")


class ReservationLineOut(Schema):
    sku: str
    location: str
    quantity: int
    state: str


class ReservationOut(Schema):
    id: str
    reference: str
    channel: str
    status: str
    created_at: str
    expires_at: str | None
    lines: list[ReservationLineOut]


class LocationFilterIn(Schema):
    location: str | None = Field(default=None, max_length=32)


class TransferIn(Schema):
    origin: str = Field(max_length=32)
    destination: str = Field(max_length=32)
    lines: list[QuantityLine] = Field(min_length=1, max_length=500)
    reference: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=200)
    ship: bool = False


class ReceiveLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=0, le=1_000_000)


class TransferReceiveIn(Schema):
    lines: list[ReceiveLineIn] | None = None


class TransferLineOut(Schema):
    sku: str
    quantity: int
    received: int | None


class TransferOut(Schema):
    id: str
    origin: str
    destination: str
    status: str
    reference: str
    note: str
    created_at: str
    shipped_at: str | None
    received_at: str | None
    lines: list[TransferLineOut]


class CountLineOut(Schema):
    sku: str
    name: str
    expected: int
    counted: int
    variance: int
    value: str


class CountOut(Schema):
    id: str
    location: str
    at: str
    reason: str
    variance_units: int
    variance_value: dict
    lines_with_variance: int
    lines: list[CountLineOut]
