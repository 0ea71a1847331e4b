"""Facts of the inventory domain, past tense, plain data (topics "inventory.<Name>")."""

from dataclasses import dataclass


@dataclass(frozen=True)
class StockLine:
    location: str
    sku: str
    quantity: int  # the signed change of on_hand (StockChanged) or the units held (reservations)
    on_hand: int | None = None  # after the change, where known
    reserved: int | None = None


@dataclass(frozen=True)
class StockChanged:
    """on_hand changed: receipt, sale, return, adjustment, count, transfer out or in."""

    kind: str
    reference: str
    lines: tuple[StockLine, ...]


@dataclass(frozen=True)
class StockReserved:
    reservation_id: str
    reference: str
    channel: str
    expires_at: str | None
    lines: tuple[StockLine, ...]


@dataclass(frozen=True)
class ReservationReleased:
    reservation_id: str
    reference: str
    reason: str  # released, expired
    lines: tuple[StockLine, ...]


@dataclass(frozen=True)
class ReservationCommitted:
    reservation_id: str
    reference: str
    lines: tuple[StockLine, ...]


@dataclass(frozen=True)
class TransferShipped:
    transfer_id: str
    origin: str
    destination: str
    reference: str
    lines: tuple[StockLine, ...]


@dataclass(frozen=True)
class TransferReceived:
    transfer_id: str
    origin: str
    destination: str
    reference: str
    lines: tuple[StockLine, ...]  # quantity received
    missing: int  # units shipped but not received
