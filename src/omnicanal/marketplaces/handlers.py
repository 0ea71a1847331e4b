"""Reactions to other domains' events, by topic name: stock changes mark listings for the debounced
quantity push, a marketplace listing's change publishes its price, and an agent's reply on the
marketplace channel queues its answer. Short in-process handlers; the network is the worker's."""

from django.db import transaction

from omnicanal.core import outbox
from omnicanal.marketplaces import tasks
from omnicanal.marketplaces.services import listings, questions, stock
from omnicanal.marketplaces.services.orders import CHANNEL

# Every inventory event that moves what a channel may promise (on hand or reserved).
STOCK_TOPICS = ("inventory.StockChanged", "inventory.StockReserved", "inventory.ReservationReleased",
                "inventory.ReservationCommitted", "inventory.TransferShipped", "inventory.TransferReceived")


def stock_moved(events: list[outbox.Envelope]) -> None:
    """In the worker, many events at once: a hot SKU's reservations during a sale must not cost the
    checkout that commits them a dispatch of their own (the push is debounced anyway)."""
    skus = {line["sku"] for event in events for line in event.payload.get("lines") or [] if line.get("sku")}
    if stock.do_mark_dirty(skus):
        delay = stock.dirty_window_left()
        transaction.on_commit(lambda: tasks.push_stock.schedule(delay=max(1.0, delay or 0.0)))


for _topic in STOCK_TOPICS:
    outbox.handles(_topic, batch=True)(stock_moved)


def _send_after_commit(account_pk: int) -> None:
    transaction.on_commit(lambda: tasks.send_calls(account_pk))


@outbox.handles("catalog.ListingChanged")
def listing_changed(event: outbox.Envelope) -> None:
    if event.payload.get("channel") != CHANNEL:
        return
    for account_pk in listings.do_publish_skus([event.payload["sku"]]):
        _send_after_commit(account_pk)


@outbox.handles("conversations.MessageSent")
def answer_question(event: outbox.Envelope) -> None:
    if event.payload.get("channel") != CHANNEL:
        return
    account_pk = questions.do_queue_answer(message_id=event.payload["message_id"])
    if account_pk is not None:
        _send_after_commit(account_pk)
