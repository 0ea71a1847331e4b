"""The conversation KPIs (first response and resolution percentiles, reopen rate, bot containment,
response by channel) of a period: read off the conversation cells (conversation_rollups.py) when
the period is whole UTC hours (through the coarsest cells that tile it: tiling.py), else counted the same way from
conversations' facts. Both go through `metrics_of` and `kpis_of`, so they answer the same numbers
(tests/test_rollups_agree.py); the percentiles carry the histogram's precision (histogram.py: 5 %).

A conversation counts on the cells of the hour, day and month it was opened in, the channel of the
customer's first message and its location (raw.conversation_locations), once per metric it meets
now (`metrics_of`); conversation_rollups.py takes a metric back when it stops being true.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Sum

from omnicanal.analytics import histogram, raw, tiling
from omnicanal.analytics.models import ConversationCell, Grain
from omnicanal.analytics.totals import Filters, grain_for
from omnicanal.conversations import queries as conversations

CONVERSATIONS = "conversations"  # opened in the period, the customer wrote
FIRST_RESPONSE = "first_response:"  # + the histogram bucket of the minutes to a person's first reply
RESOLUTION = "resolution:"  # + the bucket of the minutes to the resolution (while resolved)
RESOLVED_ONCE = "resolved_once"  # resolved now, or reopened after a resolution
REOPENED = "reopened"
BOT_ANSWERED = "bot_answered"
BOT_CONTAINED = "bot_contained"  # the bot answered and no person did (taken back when one does)

# {channel: {metric: count}}
Counts = dict[str, dict[str, int]]


def metrics_of(fact: conversations.ConversationFact) -> tuple[str, ...]:
    """The metrics a conversation counts towards now (none while the customer has not written)."""
    if not fact.channel:
        return ()
    out = [CONVERSATIONS]
    first = raw.minutes(fact.first_response_at, fact.first_inbound_at)
    if first is not None and first >= 0:  # a reply before the customer wrote (a case we opened) is no response
        out.append(FIRST_RESPONSE + str(histogram.bucket(first)))
    resolution = raw.minutes(fact.resolved_at, fact.first_inbound_at)
    if resolution is not None and resolution >= 0:
        out.append(RESOLUTION + str(histogram.bucket(resolution)))
    if fact.resolved_at is not None or fact.reopens:
        out.append(RESOLVED_ONCE)
    if fact.reopens:
        out.append(REOPENED)
    if fact.bot_replied:
        out.append(BOT_ANSWERED)
        if not fact.agent_replied:
            out.append(BOT_CONTAINED)
    return tuple(out)


def rollup_counts(filters: Filters, coarsest: str = Grain.MONTH) -> Counts:
    """The period's counts per channel off the cells that tile it (none coarser than `coarsest`)."""
    cells = tiling.cells_of(filters.start, filters.end, coarsest)
    if cells is None:
        return {}
    qs = ConversationCell.objects.filter(cells)
    if filters.channel is not None:
        qs = qs.filter(channel=filters.channel)
    if filters.locations is not None:
        qs = qs.filter(location__in=sorted(filters.locations))
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in qs.values("channel", "metric").annotate(total=Sum("value")).order_by():
        out[row["channel"]][row["metric"]] += int(row["total"] or 0)
    return _plain(out)


def fact_counts(filters: Filters) -> Counts:
    """The same counts from conversations' facts (raw.conversations_kept: the same conversations)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for fact in raw.conversations_kept(filters):
        for metric in metrics_of(fact):
            out[fact.channel][metric] += 1
    return _plain(out)


def _plain(counts) -> Counts:
    """Plain dicts without zero counts (a cell taken back to zero counts nothing)."""
    return {channel: {metric: value for metric, value in metrics.items() if value}
            for channel, metrics in counts.items() if any(metrics.values())}


def counts(filters: Filters) -> Counts:
    grain = grain_for(filters.start, filters.end)
    return fact_counts(filters) if grain is None else rollup_counts(filters)


def _histogram(metrics: dict[str, int], prefix: str) -> dict[int, int]:
    return {int(metric.removeprefix(prefix)): n for metric, n in metrics.items() if metric.startswith(prefix)}


def kpis_of(per_channel: Counts) -> dict[str, Any]:
    """The conversation KPIs of these counts (CONVERSATION_KPIS in kpis.py)."""
    total: dict[str, int] = defaultdict(int)
    for metrics in per_channel.values():
        for metric, n in metrics.items():
            total[metric] += n
    firsts, resolutions = _histogram(total, FIRST_RESPONSE), _histogram(total, RESOLUTION)
    return {
        "first_response_minutes_p50": histogram.percentile(firsts, 0.5),
        "first_response_minutes_p90": histogram.percentile(firsts, 0.9),
        "resolution_minutes_p50": histogram.percentile(resolutions, 0.5),
        "reopen_rate": raw.ratio(total[REOPENED], total[RESOLVED_ONCE]),
        "bot_containment": raw.ratio(total[BOT_CONTAINED], total[BOT_ANSWERED]),
        "response_by_channel": {channel: {
            "conversations": metrics.get(CONVERSATIONS, 0),
            "first_response_minutes": histogram.summary(_histogram(metrics, FIRST_RESPONSE)),
            "resolution_minutes": histogram.summary(_histogram(metrics, RESOLUTION)),
        } for channel, metrics in sorted(per_channel.items()) if metrics.get(CONVERSATIONS)},
    }


def response_times(filters: Filters) -> dict[str, Any]:
    """The period's conversation KPIs, from the cells for whole hours, else from the facts."""
    return kpis_of(counts(filters))
