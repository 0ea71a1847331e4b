"""Channels' figures on /metrics (core/metrics.py): webhook deliveries refused by verification."""

from omnicanal.core import metrics

WEBHOOK_VERIFICATION_FAILURES = metrics.counter(
    "webhook_verification_failures",
    "Channel webhook deliveries refused: missing (401) or wrong (403) signature or token, by channel.",
    ["channel", "status"])
