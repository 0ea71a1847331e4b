"""Follow the platform's orders and stock on NATS JetStream (docs/integrations.md, "The event stream").

    pip install nats-py
    python docs/examples/stream_consumer.py --url nats://127.0.0.1:4222 --durable erp

A durable pull consumer per stream: JetStream remembers what this consumer acknowledged, so a
restart carries on where it stopped. Delivery is at least once: a message whose ack was lost comes
again, so the handler deduplicates on the event id (the Nats-Msg-Id header, also "id" in the body).
Each stream is in outbox order, so one consumer sees every order's (and every stock row's) events
in the order they happened.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable

import nats

STREAMS = {"orders": "OMNICANAL_ORDERS", "inventory": "OMNICANAL_INVENTORY"}


def show(event: dict) -> None:
    payload = event["payload"]
    if event["topic"] == "inventory.StockChanged":
        for line in payload["lines"]:
            print(f"stock  {line['location']:>12} {line['sku']:<16} {line['quantity']:+d} -> {line.get('on_hand')}")
    else:
        print(f"{event['topic']:<28} {payload.get('order_number', '')} {payload.get('order_id', '')}")


async def consume(url: str, durable: str, handle: Callable[[dict], None], *, prefix: str = "omnicanal",
                  streams: dict[str, str] | None = None, stop_after: int | None = None) -> int:
    """Hand every event of the streams to `handle` once, in order per stream; answers how many
    (`stop_after`: stop once that many were handled)."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    seen: set[str] = set()  # keep this in your own database beside what handle() writes
    handled = 0
    subs = [await js.pull_subscribe(f"{prefix}.{domain}.>", durable=f"{durable}-{domain}", stream=name)
            for domain, name in (streams or STREAMS).items()]
    try:
        while stop_after is None or handled < stop_after:
            for sub in subs:
                try:
                    messages = await sub.fetch(500, timeout=1)
                except TimeoutError:  # nothing new on this stream (asyncio's and nats' are this one)
                    continue
                for msg in messages:
                    event_id = msg.headers["Nats-Msg-Id"]
                    if event_id not in seen:
                        handle(json.loads(msg.data))
                        seen.add(event_id)
                        handled += 1
                    await msg.ack()
        return handled
    finally:
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="nats://127.0.0.1:4222")
    parser.add_argument("--durable", default="example")
    args = parser.parse_args()
    asyncio.run(consume(args.url, args.durable, show))
