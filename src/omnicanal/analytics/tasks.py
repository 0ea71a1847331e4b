"""Analytics' periodic work: the weekly summary by email (weekly.py). Huey's crontab knows no time
zone, so it looks every 15 minutes and weekly.due_week says whether it is Monday from 08:00 in the
business's zone; WeeklySummarySent keeps it to one email per person and week."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def send_weekly_summaries() -> int:
    from omnicanal.analytics.weekly import do_send_weekly_summaries

    return do_send_weekly_summaries()
