"""Marketing's periodic work: retrain the recommender every night, send the replenishment reminders
that are due every hour (a customer outside their contact hours gets it at a later run)."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="30"))
def retrain_recommender() -> int:
    from omnicanal.marketing import services

    with transaction.atomic():
        return services.do_train_recommender().pk


@db_periodic_task(crontab(minute="10"))
def send_replenishment_reminders() -> int:
    # Not one transaction: each reminder commits alone (services.do_send_reminder).
    from omnicanal.marketing import services

    return services.do_send_due_reminders()


@db_periodic_task(crontab(minute="*"))
def run_campaigns() -> int:
    # Scheduled campaigns launch, held messages go when the customer's window opens; each send
    # commits alone (campaigns.do_send_campaign).
    from omnicanal.marketing import campaigns

    return campaigns.do_run_due()


@db_periodic_task(crontab(minute="*/5"))
def run_flows() -> int:
    # Entries due now are decided and sent, each in its own transaction (flows.do_run_flows).
    from omnicanal.marketing import flows

    return flows.do_run_flows()


@db_periodic_task(crontab(minute="20"))
def enrol_flows() -> int:
    # Hourly: the state-triggered flows (browse, replenishment, win-back); idempotent.
    from omnicanal.marketing import flows

    return flows.do_enrol_periodic()


@db_periodic_task(crontab(minute="20"))
def run_subscriptions() -> int:
    # Reserve ahead, remind, place the cycle's orders; each subscription commits alone
    # (subscriptions.do_run_subscription).
    from omnicanal.marketing import subscriptions

    return subscriptions.do_run_due()
