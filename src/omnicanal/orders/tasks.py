"""Periodic work: mark abandoned carts (engagement reminds their customers), settle Webpay payments
whose shoppers never came back (their stock is released unless Webpay says they paid) and settle
saved-card charges left pending (Transbank's status says captured or never charged)."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def mark_abandoned_carts() -> int:
    from omnicanal.orders import services

    with transaction.atomic():
        return services.do_mark_abandoned()


@db_periodic_task(crontab(minute="*/5"))
def settle_unreturned_webpay_payments() -> int:
    # Not in one transaction: it asks Webpay over HTTP per payment, and each settlement commits alone.
    from omnicanal.orders import webpay

    return webpay.sweep()


@db_periodic_task(crontab(minute="*/5"))
def settle_pending_card_charges() -> int:
    # Not in one transaction: it asks Transbank over HTTP per payment, and each settlement commits alone.
    from omnicanal.orders import services

    return services.do_settle_card_charges()
