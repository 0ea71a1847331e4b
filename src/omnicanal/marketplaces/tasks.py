"""The worker's side of the marketplace connector: notifications fetched and acted on, the stock
push after its debounce window, the queue of calls, and the sweep that retries what waits."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from omnicanal.marketplaces.services import calls, notifications, stock


@db_task(retries=0)
def process_notification(pk: int) -> bool:
    return notifications.do_process(pk)


@db_task(retries=0)
def send_calls(account_pk: int) -> int:
    return calls.do_send_due(account_pk=account_pk)


@db_task(retries=0)
def push_stock() -> int:
    """Runs once the debounce window of the first change has passed (scheduled by the handler)."""
    return sum(calls.do_send_due(account_pk=pk) for pk in stock.do_push_stock())


@db_periodic_task(crontab(minute="*"))
def sweep() -> int:
    done = sum(1 for pk in notifications.due() if notifications.do_process(pk))
    for _pk in stock.do_push_stock():
        pass
    return done + calls.do_send_due()
