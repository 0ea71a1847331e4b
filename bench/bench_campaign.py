"""A campaign to many customers, launched from two processes at once (issue 18: "a campaign to 50k
customers launched twice concurrently sends each customer at most one message"), beside a ceiling
measured in the same run: the rows a message writes (its thread, the message, the touch, the outbox
event) bulk-inserted per chunk with nothing checked.

    .venv/bin/python bench/bench_campaign.py [--customers 5000] [--chunk 200]

Creates (and drops) `omnicanal_bench_campaign` on DATABASE_URL's server (default
postgres://postgres@127.0.0.1:5432). Every customer has an email and a marketing grant by email.
Both launchers send; the worker's part (delivery) is handed to a huey queue in a scratch directory
and not run. Prints messages/s, statements per message, the total time, and the check: every
customer a recipient once, at most one message each, touches = messages, nobody left waiting.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

DB_NAME = "omnicanal_bench_campaign"
EVENING = dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC)  # 19:00 in Santiago: no quiet hours


def _urls() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _django(url: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["CONN_MAX_AGE"] = "600"
    os.environ["OMNICANAL_VAR"] = var_dir  # the huey queue the hand-overs land in: this run's own
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _prepare(admin_url: str, bench_url: str, var_dir: str, customers: int) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    _django(bench_url, var_dir)
    from django.core.management import call_command
    from django.db import transaction

    from omnicanal.core.auth import SYSTEM
    from omnicanal.core.ids import new_id
    from omnicanal.customers.models import Consent, Customer, Identity
    from omnicanal.marketing import campaigns, services

    call_command("migrate", verbosity=0)
    for start in range(0, customers, 5000):
        with transaction.atomic():
            people = Customer.objects.bulk_create([
                Customer(public_id=new_id("cus"), name=f"Cliente {i}", anonymous=False, created_at=EVENING,
                         updated_at=EVENING) for i in range(start, min(start + 5000, customers))])
            Identity.objects.bulk_create([
                Identity(customer=c, kind="email", value=f"c{start + i}@example.cl", verified=True,
                         first_seen_at=EVENING, last_seen_at=EVENING) for i, c in enumerate(people)])
            Consent.objects.bulk_create([
                Consent(customer=c, channel="email", purpose="marketing", granted=True, source="bench",
                        changed_at=EVENING) for c in people])
    with transaction.atomic():
        segment = services.do_create_segment(name="Todos", rules=[]).public_id
        return campaigns.do_create_campaign(name="Bench", segment_id=segment, message={"es": "Hola {{ name }}"},
                                            actor=SYSTEM).public_id


def _ceiling(chunk: int) -> tuple[float, int]:
    """The rows a message writes, bulk-inserted per chunk for every customer, rolled back: seconds."""
    from django.db import transaction

    from omnicanal.conversations.models import Conversation, Message
    from omnicanal.core.models import OutboxEvent
    from omnicanal.customers.models import Customer
    from omnicanal.marketing.models import Touch

    ids = list(Customer.objects.order_by("pk").values_list("public_id", flat=True))
    started = time.perf_counter()
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            part = ids[start:start + chunk]
            threads = Conversation.objects.bulk_create([
                Conversation(customer_id=c, status="resolved", created_at=EVENING, updated_at=EVENING,
                             resolved_at=EVENING) for c in part])
            Message.objects.bulk_create([
                Message(conversation=t, direction="out", channel="email", address="x@example.cl", author="system",
                        kind="notification", text="Hola", meta={"notification": "marketing.campaign"},
                        status="queued", created_at=EVENING) for t in threads])
            Touch.objects.bulk_create([Touch(customer_id=c, kind="campaign", ref="bench", channel="email", at=EVENING)
                                       for c in part])
            OutboxEvent.objects.bulk_create([OutboxEvent(topic="conversations.MessageSent", payload={"c": c},
                                                         created_at=EVENING, status="done") for c in part])
            transaction.set_rollback(True)
    return time.perf_counter() - started, len(ids)


def _launcher(url: str, var_dir: str, campaign_id: str, chunk: int, barrier, queue) -> None:
    _django(url, var_dir)
    from django.db import connection

    from omnicanal.core import clock
    from omnicanal.marketing import campaigns

    campaigns.CHUNK = chunk
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    connection.ensure_connection()
    barrier.wait()
    started = time.perf_counter()
    with connection.execute_wrapper(count), clock.frozen(EVENING):
        sent = _launch(campaigns, campaign_id)
    queue.put((sent, statements[0], time.perf_counter() - started))


def _launch(campaigns, campaign_id: str) -> int:
    """do_launch_campaign, returning what this process sent (its count of sends)."""
    campaign = campaigns._start(campaign_id, campaigns.SYSTEM, EVENING)
    campaigns.do_enroll(campaign=campaign)
    return campaigns.do_send_campaign(campaign=campaign, at=EVENING)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=200)
    options = parser.parse_args()
    admin_url, bench_url = _urls()
    var_dir = tempfile.mkdtemp(prefix="bench-campaign-")
    print(f"preparing {options.customers} customers (load average {_loadavg()})", flush=True)
    campaign_id = _prepare(admin_url, bench_url, var_dir, options.customers)
    seconds, rows = _ceiling(options.chunk)
    ceiling = rows / seconds
    print(f"ceiling: the rows of {rows} messages bulk-inserted, {options.chunk} per transaction: "
          f"{ceiling:,.0f} messages/s ({seconds:.1f} s)", flush=True)

    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    processes = [ctx.Process(target=_launcher, args=(bench_url, var_dir, campaign_id, options.chunk, barrier, queue))
                 for _ in range(2)]
    started = time.perf_counter()
    for p in processes:
        p.start()
    results = [queue.get(timeout=3600) for _ in processes]
    for p in processes:
        p.join()
    total = time.perf_counter() - started
    sent = sum(r[0] for r in results)
    statements = sum(r[1] for r in results)
    print(f"two launchers: sent {results[0][0]} + {results[1][0]} = {sent} messages in {total:.1f} s "
          f"(each launcher {results[0][2]:.1f} s / {results[1][2]:.1f} s, enrolment included)")
    print(f"campaign: {sent / total:,.0f} messages/s ({sent / total / ceiling:.0%} of the ceiling), "
          f"{statements / max(sent, 1):.1f} statements per message (both launchers' statements, enrolment included)")
    _check(campaign_id, options.customers, sent)
    print(f"load average {_loadavg()}")


def _check(campaign_id: str, customers: int, sent: int) -> None:
    from django.db.models import Count

    from omnicanal.conversations.models import Message
    from omnicanal.marketing import campaigns, queries
    from omnicanal.marketing.models import Recipient, Touch

    recipients = Recipient.objects.filter(campaign__public_id=campaign_id)
    most = (Message.objects.filter(meta__notification=campaigns.TOPIC).values("conversation__customer_id")
            .annotate(n=Count("pk")).order_by("-n").values_list("n", flat=True).first()) or 0
    summary = queries.campaign_results(campaign_id)
    checks = {
        "every customer a recipient once": recipients.count() == customers
        and recipients.values("customer_id").distinct().count() == customers,
        "at most one message per customer": most == 1,
        "each customer exactly one message": summary.sent == customers == sent,
        "touches = messages": Touch.objects.count() == summary.sent,
        "nobody left waiting": not recipients.filter(status__in=["pending", "held"]).exists(),
        "campaign done": summary.status == "done",
    }
    for name, ok in checks.items():
        print(f"check: {name}: {'OK' if ok else 'FAILED'}")
    if not all(checks.values()):
        raise SystemExit("a check failed")


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


if __name__ == "__main__":
    main()
