"""Bodies of the concurrency tests, run in fresh processes (core.testing.run_in_processes) or threads."""

from django.db import connection, transaction

from omnicanal.core.errors import InsufficientStock


def reserve_many(worker: int, attempts: int, sku: str, locations: list[str], commit_every: int = 0) -> dict:
    """`attempts` single-unit reservations, each in its own transaction, as an order endpoint would."""
    from omnicanal.inventory import services
    from omnicanal.inventory.services import ReserveLine

    outcome = {"held": 0, "short": 0, "committed": 0}
    try:
        for i in range(attempts):
            reference = f"w{worker}-{i}"
            try:
                with transaction.atomic():
                    services.do_reserve(reference=reference, channel="web", lines=[ReserveLine(sku, 1)],
                                        locations=locations)
                outcome["held"] += 1
            except InsufficientStock:
                outcome["short"] += 1
                continue
            if commit_every and i % commit_every == 0:
                with transaction.atomic():
                    services.do_commit(reference=reference)
                outcome["committed"] += 1
    finally:
        connection.close()
    return outcome


def reserve_many_at_commit(worker: int, attempts: int, sku: str, location: str, cold_sku: str) -> dict:
    """`attempts` transactions, each holding one unit of `cold_sku` at once and then one of `sku`
    pinned at `location` with at_commit=True (sent with the COMMIT): a refusal of the latter must take
    the former back with it. Every other transaction holds the hot unit alone (no BEGIN sent)."""
    from omnicanal.inventory import services
    from omnicanal.inventory.services import ReserveLine

    outcome = {"held": 0, "short": 0}
    try:
        for i in range(attempts):
            try:
                with transaction.atomic():
                    if i % 2:
                        services.do_reserve(reference=f"c{worker}-{i}", channel="web",
                                            lines=[ReserveLine(cold_sku, 1, location=location)])
                    services.do_reserve(reference=f"w{worker}-{i}", channel="web",
                                        lines=[ReserveLine(sku, 1, location=location)], at_commit=True)
                outcome["held"] += 1
            except InsufficientStock:
                outcome["short"] += 1
    finally:
        connection.close()
    return outcome
