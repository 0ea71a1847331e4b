"""Analytics' periodic work: the fulfilments whose promise passed undone counted due (order_rollups),
and the weekly summary by email (weekly.py). Huey's crontab knows no time
zone, so it looks every 15 minutes and weekly.due_week says whether it is Monday from 08:00 in the
business's zone; WeeklySummarySent keeps it to one email per person and week."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def send_weekly_summaries() -> int:
    from omnicanal.analytics.weekly import do_send_weekly_summaries

    return do_send_weekly_summaries()


@db_periodic_task(crontab(minute="7"))
def count_overdue_promises() -> int:
    # Hourly: the on-time rate's "due" lags a promise's passing by at most an hour (docs/analytics.md).
    from omnicanal.analytics.order_rollups import do_count_overdue_promises

    return do_count_overdue_promises()


@db_periodic_task(crontab(minute="17"))
def build_day_packs() -> int:
    # Hourly: the customers' packs of the days closed an hour ago, and of the days a late change
    # made dirty (read live meanwhile: docs/analytics.md, "The customers' day packs").
    from omnicanal.analytics.day_packs import do_build_day_packs

    return do_build_day_packs()
