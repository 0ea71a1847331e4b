"""/metrics (Prometheus text), who may read it, and the request id that follows a request into its
logs, its outbox events and their handlers (docs/operations.md, "Metrics", "Logs and the request id")."""

import io
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from prometheus_client.parser import text_string_to_metric_families

from omnicanal.core import clock, outbox, requestid
from omnicanal.core.errors import InsufficientStock
from omnicanal.core.models import OutboxEvent, OutboxStatus
from omnicanal.inventory.tests.conftest import make_catalog, make_locations, receive

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[3]


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scraped, name, **labels) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


# --- requests by route template, latency ----------------------------------------------------------


def test_requests_are_counted_and_timed_by_route_template_never_by_path(client, issue_key):
    auth = issue_key("admin")
    route = "/api/v1/orders/<order_id>"
    before = scrape(client)
    for number in ("AS-100901", "AS-100902"):
        assert client.get(f"/api/v1/orders/{number}", **auth).status_code == 404
    assert client.get("/health").status_code == 200
    text = client.get("/metrics").content.decode()
    after = samples(text)

    counted = "omnicanal_http_requests_total"
    assert value(after, counted, method="GET", route=route, status="404") - \
        value(before, counted, method="GET", route=route, status="404") == 2
    assert value(after, counted, method="GET", route="/health", status="200") - \
        value(before, counted, method="GET", route="/health", status="200") == 1
    # the histogram: every bucket is there, cumulative, and its count grew by the two requests
    timed = "omnicanal_http_request_duration_seconds"
    buckets = [value(after, f"{timed}_bucket", method="GET", route=route, le=le)
               for le in ("0.005", "0.1", "1.0", "10.0", "+Inf")]
    assert buckets == sorted(buckets) and buckets[-1] >= 2
    assert value(after, f"{timed}_count", method="GET", route=route) - \
        value(before, f"{timed}_count", method="GET", route=route) == 2
    # the order numbers asked for are in no label: a label holds the template, not the path
    assert "AS-100901" not in text and "AS-100902" not in text


def test_no_personal_data_or_ids_reach_a_label(client, issue_key):
    auth = issue_key("admin")
    client.get("/api/v1/customers/ana.perez@example.cl", **auth)
    client.get("/no/such/page/+56912345678")
    client.post("/webhooks/telegram/inb_secretinbox", "{}", content_type="application/json")
    text = client.get("/metrics").content.decode()
    for personal in ("ana.perez", "example.cl", "56912345678", "inb_secretinbox"):
        assert personal not in text
    routes = {labels["route"] for family in text_string_to_metric_families(text) for s in family.samples
              for labels in [s.labels] if "route" in labels}
    assert "unmatched" in routes and "/webhooks/telegram/<str:inbox_id>" in routes


def test_webhook_verification_failures_are_counted_by_channel(client):
    before = scrape(client)
    # no inbox holds a secret this delivery could match: refused before anything is read
    response = client.post("/webhooks/whatsapp", "{}", content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256="sha256=00")
    assert response.status_code in (401, 403)
    after = scrape(client)
    name, labels = "omnicanal_webhook_verification_failures_total", {"channel": "whatsapp",
                                                                    "status": str(response.status_code)}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_reservations_and_oversell_guard_trips_are_counted_and_active_ones_read_at_scrape(client):
    from omnicanal.inventory import services
    from omnicanal.inventory.services import ReserveLine

    make_catalog()
    locations = make_locations()
    receive(locations["WH"], **{"SHOE-40": 1})
    before = scrape(client)
    with transaction.atomic():
        services.do_reserve(reference="ord_m1", channel="web", lines=[ReserveLine("SHOE-40", 1)])
    with pytest.raises(InsufficientStock), transaction.atomic():
        services.do_reserve(reference="ord_m2", channel="web", lines=[ReserveLine("SHOE-40", 1)])
    after = scrape(client)
    reservations = "omnicanal_inventory_reservations_total"
    assert value(after, reservations, outcome="reserved") - value(before, reservations, outcome="reserved") == 1
    assert value(after, reservations, outcome="short") - value(before, reservations, outcome="short") == 1
    trips = "omnicanal_inventory_oversell_guard_trips_total"
    assert value(after, trips, guard="allocation") - value(before, trips, guard="allocation") == 1
    assert value(after, "omnicanal_inventory_reservations_active") == 1


# --- shared state read at scrape time -------------------------------------------------------------


def test_outbox_backlog_lag_and_the_queue_are_read_from_the_database_at_scrape(client):
    now = clock.now()
    OutboxEvent.objects.create(topic="web.Stuck", payload={}, created_at=now - timedelta(seconds=90),
                               status=OutboxStatus.PENDING)
    OutboxEvent.objects.create(topic="web.Stuck", payload={}, created_at=now, status=OutboxStatus.PENDING)
    OutboxEvent.objects.create(topic="web.Stuck", payload={}, created_at=now, status=OutboxStatus.FAILED)
    scraped = scrape(client)
    assert value(scraped, "omnicanal_outbox_events", status="pending") == 2
    assert value(scraped, "omnicanal_outbox_events", status="failed") == 1
    assert 90 <= value(scraped, "omnicanal_outbox_lag_seconds") < 120
    assert ("omnicanal_worker_queue_depth", (("state", "pending"),)) in scraped
    assert value(scraped, "omnicanal_scrape_errors") == 0


@dataclass(frozen=True)
class Knocked:
    door: str


@dataclass(frozen=True)
class Answered:
    door: str


seen: list[tuple[str, str]] = []
fail_knocks = {"n": 0}


@outbox.handles("web.Knocked")
def _answer(event: outbox.Envelope) -> None:
    if fail_knocks["n"] > 0:
        fail_knocks["n"] -= 1
        raise ConnectionError("nobody home")
    logging.getLogger("omnicanal.tests.door").info("answering %s", event["door"])
    seen.append(("Knocked", requestid.current()))
    outbox.emit(Answered(door=event["door"]))


@outbox.handles("web.Answered")
def _note(event: outbox.Envelope) -> None:
    seen.append(("Answered", requestid.current()))


def test_outbox_handler_failures_are_counted_by_topic(client, django_capture_on_commit_callbacks):
    before = scrape(client)
    fail_knocks["n"] = 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.emit(Knocked(door="back"))
    after = scrape(client)
    name = "omnicanal_outbox_handler_failures_total"
    assert value(after, name, topic="web.Knocked") - value(before, name, topic="web.Knocked") == 1


# --- who may read /metrics ------------------------------------------------------------------------


def test_metrics_need_the_token_or_an_allowed_address(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-123"
    settings.METRICS_ALLOWED_ADDRESSES = []
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    assert refused["Content-Type"] == "application/problem+json"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-123").status_code == 200
    # an allowed network, without a token
    settings.METRICS_ALLOWED_ADDRESSES = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 401
    settings.METRICS_ENABLED = False
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-123").status_code == 404


def test_production_allows_no_address_by_default_and_development_allows_loopback(tmp_path):
    def allowed(env_name: str) -> list[str]:
        env = {k: v for k, v in os.environ.items() if k not in {"METRICS_ALLOWED_ADDRESSES", "PYTEST_VERSION",
                                                                  "OMNICANAL_TESTING", "OMNICANAL_ENV"}}
        env.update(OMNICANAL_ENV=env_name, PYTHONPATH=str(SRC), OMNICANAL_VAR=str(tmp_path), SECRET_KEY="x" * 50)
        code = "from omnicanal.web import settings as s; print(repr(s.METRICS_ALLOWED_ADDRESSES))"
        return eval(subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                                   text=True).stdout)

    assert allowed("production") == []
    assert allowed("development") == ["127.0.0.1", "::1"]


# --- several processes ----------------------------------------------------------------------------

_COUNT_IN_A_PROCESS = """
import django, sys
django.setup()
from omnicanal.core import metrics
metrics.HTTP_REQUESTS.labels(method="GET", route="/probe", status="200").inc(int(sys.argv[1]))
if sys.argv[2] == "render":
    sys.stdout.write(metrics.render()[0].decode())
"""


def test_counts_of_several_processes_add_up_in_the_multiprocess_folder(tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION"}}
    env.update(PROMETHEUS_MULTIPROC_DIR=str(folder), PYTHONPATH=str(SRC), OMNICANAL_VAR=str(tmp_path),
               OMNICANAL_TESTING="1", DJANGO_SETTINGS_MODULE="omnicanal.web.settings", LOG_LEVEL="CRITICAL")

    def run(n: int, then: str) -> str:
        return subprocess.run([sys.executable, "-c", _COUNT_IN_A_PROCESS, str(n), then], env=env, check=True,
                              capture_output=True, text=True, timeout=120).stdout

    run(2, "exit")
    text = run(3, "render")
    assert value(samples(text), "omnicanal_http_requests_total", method="GET", route="/probe", status="200") == 5


def test_serve_gets_a_fresh_multiprocess_folder(monkeypatch, tmp_path):
    from omnicanal import cli

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    cli._metrics_folder()
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.is_dir() and not any(made.iterdir())
    # an operator's folder is kept, emptied of the last run's counts
    (tmp_path / "counter_123.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    cli._metrics_folder()
    assert not list(tmp_path.glob("*.db"))


# --- the request id -------------------------------------------------------------------------------


def test_the_request_id_is_taken_from_the_header_or_made_and_always_echoed(client):
    assert client.get("/health", HTTP_X_REQUEST_ID="lb-7f3a9c21").headers["X-Request-ID"] == "lb-7f3a9c21"
    made = client.get("/health").headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    # text that is no short token is replaced, so a client cannot write into the logs
    forged = client.get("/health", HTTP_X_REQUEST_ID="x\" injected=1 \n more").headers["X-Request-ID"]
    assert len(forged) == 32 and "injected" not in forged


def test_the_request_id_follows_a_request_into_its_events_their_handlers_and_the_json_logs(client, issue_key):
    make_catalog()
    locations = make_locations()
    receive(locations["WH"], **{"SHOE-40": 2})
    seen.clear()
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.addFilter(requestid.RequestIdFilter())
    handler.setFormatter(requestid.JsonFormatter())
    logging.getLogger("omnicanal").addHandler(handler)
    try:
        # an API request writes its event with the request's id
        body = {"lines": [{"sku": "SHOE-41", "quantity": 3}], "reference": "po-rid"}
        response = client.post("/api/v1/locations/WH/receipts", json.dumps(body), content_type="application/json",
                               HTTP_X_REQUEST_ID="req-observe-0001", **issue_key("admin"))
        assert response.status_code == 201, response.content
        assert response["X-Request-ID"] == "req-observe-0001"
        assert OutboxEvent.objects.filter(topic="inventory.StockChanged").latest("pk").request_id == "req-observe-0001"
        # and so does a reservation, whose event PostgreSQL's one-call reservation writes in SQL
        body = {"reference": "ord_rid", "channel": "web", "lines": [{"sku": "SHOE-40", "quantity": 1}]}
        response = client.post("/api/v1/reservations", json.dumps(body), content_type="application/json",
                               HTTP_X_REQUEST_ID="req-observe-0003", **issue_key("admin"))
        assert response.status_code == 201, response.content
        assert OutboxEvent.objects.get(topic="inventory.StockReserved").request_id == "req-observe-0003"
        # an event's handlers run under the id on its row, even in another process (the worker), and
        # the events they emit inherit it
        with requestid.bound("req-observe-0002"):
            with transaction.atomic():
                outbox.emit(Knocked(door="front"))
        assert requestid.current() == ""
        knocked = OutboxEvent.objects.get(topic="web.Knocked")
        assert knocked.request_id == "req-observe-0002"
        outbox.dispatch(knocked.pk, in_worker=True)  # as the worker's relay does, outside any request
        answered = OutboxEvent.objects.get(topic="web.Answered")
        assert answered.request_id == "req-observe-0002"
        outbox.dispatch(answered.pk, in_worker=True)
        assert seen == [("Knocked", "req-observe-0002"), ("Answered", "req-observe-0002")]
    finally:
        logging.getLogger("omnicanal").removeHandler(handler)
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    answering = [entry for entry in logged if entry["message"] == "answering front"]
    assert answering and answering[0]["request_id"] == "req-observe-0002"
    assert answering[0]["level"] == "INFO" and answering[0]["logger"] == "omnicanal.tests.door"


def test_the_plain_log_line_carries_the_request_id():
    from django.conf import settings

    record = logging.makeLogRecord({"name": "omnicanal.x", "levelname": "INFO", "msg": "hello"})
    formatter = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    with requestid.bound("req-plain-0001"):
        requestid.RequestIdFilter().filter(record)
    assert "[req-plain-0001]: hello" in formatter.format(record)


# --- tracing and the access log -------------------------------------------------------------------


@pytest.fixture
def spans():
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from omnicanal.core import tracing

    exporter = InMemorySpanExporter()
    tracing.setup(exporter=exporter)
    yield exporter
    tracing.off()


def test_traces_name_requests_by_route_join_the_callers_trace_and_cover_outbox_handlers(client, issue_key, spans):
    seen.clear()
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = client.get("/api/v1/orders/AS-100777", HTTP_X_REQUEST_ID="req-trace-0001",
                          HTTP_TRACEPARENT=f"00-{caller_trace}-00f067aa0ba902b7-01", **issue_key("admin"))
    assert response.status_code == 404
    [server] = [s for s in spans.get_finished_spans() if s.name.startswith("GET ")]
    assert server.name == "GET /api/v1/orders/<order_id>" and "AS-100777" not in str(dict(server.attributes))
    assert server.attributes["http.response.status_code"] == 404
    assert server.attributes["omnicanal.request_id"] == "req-trace-0001"
    assert format(server.context.trace_id, "032x") == caller_trace
    with requestid.bound("req-trace-0002"), transaction.atomic():
        outbox.emit(Knocked(door="side"))
    outbox.dispatch(OutboxEvent.objects.get(topic="web.Knocked").pk, in_worker=True)
    handled = [s for s in spans.get_finished_spans() if s.name == "outbox web.Knocked"]
    assert handled and handled[0].attributes["omnicanal.request_id"] == "req-trace-0002"


def test_tracing_is_off_by_default_and_then_records_nothing(client):
    from django.conf import settings

    from omnicanal.core import tracing

    assert settings.TRACING_ENABLED is False and tracing._tracer is None
    with tracing.span("anything") as nothing:
        assert nothing is None


def test_the_access_log_line_names_the_route_status_and_request_id_never_the_path(client, settings, caplog):
    settings.ACCESS_LOG = True
    with caplog.at_level(logging.INFO, logger="omnicanal.access"):
        client.get("/no/such/thing/ana.perez@example.cl", HTTP_X_REQUEST_ID="req-access-0001")
    [line] = [r for r in caplog.records if r.name == "omnicanal.access"]
    assert line.route == "unmatched" and line.status == 404 and "ana.perez" not in line.getMessage()
    assert requestid.JsonFormatter().format(line)  # formats to one JSON object
    assert json.loads(requestid.JsonFormatter().format(line))["route"] == "unmatched"
