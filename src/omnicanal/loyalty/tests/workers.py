"""Functions run in child processes by the concurrency tests (core.testing.run_in_processes)."""

import json


def use_coupon(code: str, channel: str, worker: int, attempts: int, auth: str | None) -> dict:
    """Try `attempts` orders with the coupon, through the service (auth None) or the API."""
    from django.db import transaction

    from omnicanal.core.errors import CouponExhausted
    from omnicanal.core.money import Money
    from omnicanal.loyalty.services import coupons

    counts = {"used": 0, "exhausted": 0, "other": []}
    client = None
    if auth:
        from django.test import Client

        client = Client()
    for attempt in range(attempts):
        order_ref = f"{channel}-{worker}-{attempt}"
        if client is None:
            try:
                with transaction.atomic():
                    coupons.do_use_coupon(code=code, order_ref=order_ref, channel=channel, subtotal=Money.of(50_000))
                counts["used"] += 1
            except CouponExhausted:
                counts["exhausted"] += 1
            continue
        body = {"code": code, "order_ref": order_ref, "channel": channel, "subtotal": {"amount": "50000", "currency": "CLP"}}
        response = client.post("/api/v1/coupons/redeem", json.dumps(body), content_type="application/json",
                                HTTP_AUTHORIZATION=auth)
        if response.status_code == 201:
            counts["used"] += 1
        elif response.status_code == 409 and response.json()["type"].endswith("coupon-exhausted"):
            counts["exhausted"] += 1
        else:
            counts["other"].append(response.status_code)
    return counts


def spend_gift_card(code: str, pin: str, worker: int, attempts: int) -> dict:
    from django.db import transaction

    from omnicanal.core.errors import InsufficientBalance
    from omnicanal.core.money import Money
    from omnicanal.loyalty.services import stored_value

    counts = {"spent": 0, "refused": 0}
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                stored_value.do_spend_gift_card(code=code, pin=pin, amount=Money.of(1000), key=f"spend-{worker}-{attempt}",
                                                channel="pos")
            counts["spent"] += 1
        except InsufficientBalance:
            counts["refused"] += 1
    return counts


def grant_goodwill(customer_id: str, attempts: int) -> dict:
    """One agent (the same one in every process) grants 10.000 of goodwill credit `attempts` times."""
    from django.db import transaction

    from omnicanal.core.auth import Principal
    from omnicanal.core.money import Money
    from omnicanal.loyalty.services import goodwill

    agent = Principal(kind="user", id="77", name="agent-race", role="agent", locations=None)
    counts = {"issued": 0, "pending": 0}
    for _ in range(attempts):
        with transaction.atomic():
            outcome = goodwill.do_grant_goodwill_credit(customer_id=customer_id, amount=Money.of(10_000), note="race",
                                                        actor=agent)
        counts["pending" if outcome.pending else "issued"] += 1
    return counts


def redeem_points(customer_id: str, worker: int, attempts: int) -> dict:
    """Spend 1 point `attempts` times, each in its own transaction."""
    from django.db import transaction

    from omnicanal.core.errors import InsufficientBalance
    from omnicanal.loyalty.models import POINTS, AccountKind, TransferKind
    from omnicanal.loyalty.services import ledger

    account = ledger.customer_account(customer_id, AccountKind.POINTS)
    redemption = ledger.system_account(AccountKind.REDEMPTION, POINTS)
    counts = {"spent": 0, "refused": 0}
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                ledger.do_transfer(key=f"race-redeem:{worker}:{attempt}", kind=TransferKind.REDEEM, debit=account,
                                   credit=redemption, amount=1)
            counts["spent"] += 1
        except InsufficientBalance:
            counts["refused"] += 1
    return counts


def post_batches(customer_ids: list[str], worker: int, batches: int) -> dict:
    """Batches that earn 3 and spend 1 on every customer, in the order given (workers give opposite
    orders), plus one key shared by every worker: posted once whoever wins."""
    from django.db import transaction

    from omnicanal.loyalty.models import POINTS, AccountKind, TransferKind
    from omnicanal.loyalty.services import ledger
    from omnicanal.loyalty.services.ledger import Posting

    issuance = ledger.system_account(AccountKind.ISSUANCE, POINTS)
    redemption = ledger.system_account(AccountKind.REDEMPTION, POINTS)
    accounts = [ledger.customer_account(c, AccountKind.POINTS) for c in customer_ids]
    shared = min(accounts, key=lambda account: account.pk)  # the same account in every worker
    created = 0
    for batch in range(batches):
        postings = [Posting(key=f"shared:{batch}", kind=TransferKind.EARN, debit=issuance, credit=shared, amount=1)]
        for i, account in enumerate(accounts):
            postings.append(Posting(key=f"batch:{worker}:{batch}:{i}:earn", kind=TransferKind.EARN, debit=issuance,
                                    credit=account, amount=3))
            postings.append(Posting(key=f"batch:{worker}:{batch}:{i}:spend", kind=TransferKind.REDEEM, debit=account,
                                    credit=redemption, amount=1))
        with transaction.atomic():
            created += len(ledger.do_transfers(postings))
    return {"posted": created}
