"""Prometheus metrics: what `/metrics` shows (docs/operations.md, "Metrics").

Two kinds of figures:

- Counters and histograms counted where things happen (requests, handler failures, reservations,
  webhook refusals). Each process counts its own; with several processes (`omnicanal serve
  --workers N`, which also starts the worker) they share PROMETHEUS_MULTIPROC_DIR, a folder of
  memory-mapped files that prometheus_client's multiprocess collector adds up at scrape time.
  `serve` sets it (var/metrics/<port>, emptied at start) when it is not set.
- Gauges of shared state (the outbox's backlog and lag, the worker's queue, active reservations) are
  read from the database or the queue at scrape time (`gauge_at_scrape`), so every node answers
  the same figure, whichever process counted what, and a worker on another machine needs no scrape.

Labels hold route templates, topics, channels and outcomes only: never a path, an id or anything
personal, so their number stays small and a scrape leaks nothing.

A domain declares its own figures in its `metrics.py` (found at start like its handlers).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import autodiscover_modules
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from omnicanal.core import requestid, tracing

log = logging.getLogger(__name__)
access_log = logging.getLogger("omnicanal.access")

PREFIX = "omnicanal_"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

HTTP_REQUESTS = Counter(f"{PREFIX}http_requests", "HTTP requests answered, by route template and status.",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram(f"{PREFIX}http_request_duration_seconds",
                         "Time to answer an HTTP request (seconds), by route template.", ["method", "route"],
                         buckets=LATENCY_BUCKETS)
OUTBOX_HANDLER_FAILURES = Counter(f"{PREFIX}outbox_handler_failures", "Outbox handler runs that raised (each is retried).",
                                  ["topic"])
OUTBOX_EVENTS_FAILED = Counter(f"{PREFIX}outbox_events_failed", "Outbox events given up after their last attempt.",
                               ["topic"])


def counter(name: str, documentation: str, labels: Iterable[str] = ()) -> Counter:
    """A counter of a domain, named omnicanal_<name>_total."""
    return Counter(f"{PREFIX}{name}", documentation, list(labels))


# --- gauges read at scrape time ----------------------------------------------------------------


@dataclass(frozen=True)
class _ScrapeGauge:
    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]]


_scrape_gauges: dict[str, _ScrapeGauge] = {}


def gauge_at_scrape(name: str, documentation: str, labels: Iterable[str] = ()):
    """Register a reader of shared state: it returns [(label values, value)], read on every scrape."""

    def register(read: Callable[[], Iterable[tuple[tuple[str, ...], float]]]):
        _scrape_gauges[name] = _ScrapeGauge(f"{PREFIX}{name}", documentation, tuple(labels), read)
        return read

    return register


class _SharedState:
    """The collector of the scrape-time gauges. A reader that fails (the database is down) is left
    out of that scrape and counted in omnicanal_scrape_errors, so the rest still answers."""

    def collect(self):
        errors = 0
        for gauge in list(_scrape_gauges.values()):
            try:
                samples = list(gauge.read())
            except Exception:
                log.warning("metrics: reading %s failed", gauge.name, exc_info=True)
                errors += 1
                continue
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
            for values, value in samples:
                family.add_metric(list(values), float(value))
            yield family
        yield GaugeMetricFamily(f"{PREFIX}scrape_errors", "Scrape-time readers that failed on this scrape.", value=errors)


def autodiscover() -> None:
    autodiscover_modules("metrics")


def render() -> tuple[bytes, str]:
    """The text exposition: this process's (or every process's) counters, then the shared state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    shared = CollectorRegistry(auto_describe=False)
    shared.register(_SharedState())
    return generate_latest(counted) + generate_latest(shared), CONTENT_TYPE_LATEST


# --- HTTP ---------------------------------------------------------------------------------------


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered ("/api/v1/orders/<order_id>"), never the path itself."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route.lstrip("^").rstrip("$")
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        method = request.method if request.method in _METHODS else "other"
        if not tracing.active():  # the common case, without a context manager's cost
            return self._answer(request, method, None)
        with tracing.span(f"HTTP {method}", headers=request.headers, server=True, **{
                "http.request.method": method, "omnicanal.request_id": requestid.current()}) as span:
            return self._answer(request, method, span)

    def _answer(self, request: HttpRequest, method: str, span) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            route = route_of(request)
            elapsed = time.perf_counter() - started
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(elapsed)
            if span is not None:
                span.update_name(f"{method} {route}")
                span.set_attributes({"http.route": route, "http.response.status_code": status})
            if settings.ACCESS_LOG:
                # The route template, never the path or the query: no ids or personal data in the log.
                access_log.info("%s %s %s %.1f ms", method, route, status, elapsed * 1000,
                                extra={"method": method, "route": route, "status": status,
                                       "duration_ms": round(elapsed * 1000, 1)})


# --- who may scrape ------------------------------------------------------------------------------


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in settings.METRICS_ALLOWED_ADDRESSES:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            log.warning("METRICS_ALLOWED_ADDRESSES: %r is no address or network; ignored", item)
    return networks


def refusal(request: HttpRequest, client_address: str) -> int | None:
    """None when the request may read /metrics; else the status to answer (404 when metrics are off,
    401 without the right bearer token and from an address not allowed)."""
    if not settings.METRICS_ENABLED:
        return 404
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if token and offered.startswith("Bearer ") and hmac.compare_digest(offered[7:].strip().encode(), token.encode()):
        return None
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        return 401
    if any(address in network for network in _networks()):
        return None
    return 401


# --- core's shared state --------------------------------------------------------------------------


@gauge_at_scrape("outbox_events", "Outbox events waiting for a handler (pending) or given up (failed).", ["status"])
def _outbox_backlog():
    from omnicanal.core.queries import outbox_counts

    return [((status,), count) for status, count in outbox_counts().items()]


@gauge_at_scrape("outbox_lag_seconds", "Age of the oldest event still pending (0 when none is).")
def _outbox_lag():
    from omnicanal.core.queries import outbox_lag_seconds

    return [((), outbox_lag_seconds())]


@gauge_at_scrape("worker_queue_depth", "Tasks waiting in the worker's queue (huey), and those scheduled for later.",
                 ["state"])
def _queue_depth():
    from huey.contrib.djhuey import HUEY

    return [(("pending",), HUEY.pending_count()), (("scheduled",), HUEY.scheduled_count())]


@gauge_at_scrape("worker_heartbeat_age_seconds", "Seconds since the worker's last heartbeat (-1: never seen).")
def _worker_age():
    from omnicanal.core.queries import worker_heartbeat_age_seconds

    return [((), worker_heartbeat_age_seconds())]
