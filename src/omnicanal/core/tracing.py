"""OpenTelemetry tracing, off unless TRACING_ENABLED (docs/operations.md, "Tracing").

When on, every HTTP request is a server span named by its route template (never its path), joined to
the caller's trace when it sends a W3C `traceparent`, and every outbox handler run is a span of its
own; both carry the request id (core.requestid), so a trace and the JSON logs meet on it. Spans go
to standard output (TRACING_EXPORTER=console) or to an OpenTelemetry collector over OTLP/HTTP
(TRACING_EXPORTER=otlp, with `pip install opentelemetry-exporter-otlp-proto-http` and the standard
OTEL_EXPORTER_OTLP_* variables). Off, nothing of OpenTelemetry is even imported.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings

_tracer: Any = None  # the tracer when tracing is on, else None


def setup(exporter: Any = None) -> None:
    """Turn tracing on with `exporter` (None: the one TRACING_EXPORTER names) when TRACING_ENABLED,
    or when an exporter is given (tests)."""
    global _tracer
    if exporter is None and not settings.TRACING_ENABLED:
        _tracer = None
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "omnicanal")}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        provider.add_span_processor(BatchSpanProcessor(_configured_exporter()))
    _tracer = provider.get_tracer("omnicanal")


def active() -> bool:
    return _tracer is not None


def off() -> None:
    global _tracer
    _tracer = None


def _configured_exporter():
    if settings.TRACING_EXPORTER == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # optional package

        return OTLPSpanExporter()
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    return ConsoleSpanExporter()


@contextlib.contextmanager
def span(name: str, *, headers: Any = None, server: bool = False, **attributes: Any) -> Iterator[Any]:
    """A span around a block (None when tracing is off); `headers` carry the caller's traceparent."""
    if _tracer is None:
        yield None
        return
    from opentelemetry.propagate import extract
    from opentelemetry.trace import SpanKind

    context = extract({k.lower(): v for k, v in headers.items()}) if headers is not None else None
    kind = SpanKind.SERVER if server else SpanKind.INTERNAL
    with _tracer.start_as_current_span(name, context=context, kind=kind,
                                       attributes={k: v for k, v in attributes.items() if v not in (None, "")}) as current:
        yield current
