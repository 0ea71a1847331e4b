"""Outbound webhooks against a loopback receiver (a real http.server in a thread) that verifies
Standard Webhooks signatures the way a receiver does."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.catalog.services import do_ensure_default_channels
from omnicanal.conversations.events import TicketOpened
from omnicanal.core import clock, outbox, testing
from omnicanal.core import tasks as core_tasks
from omnicanal.core.money import Money
from omnicanal.customers.events import CustomerErased
from omnicanal.customers.services import do_identify
from omnicanal.integrations import tasks
from omnicanal.integrations.models import WebhookDelivery, WebhookEndpoint
from omnicanal.inventory.events import StockChanged, StockLine
from omnicanal.orders.events import LineFact, OrderCancelled, OrderPaid, OrderPlaced


class Receiver:
    """Answers 500 to its first `fail_first` requests, then 200 to every correctly signed one."""

    def __init__(self, fail_first: int = 0, always_fail: bool = False) -> None:
        self.secret = ""
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.failed_ids: list[str] = []
        self.accepted: list[tuple[str, dict]] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.receive(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def verify(self, headers, body: bytes) -> bool:
        # The receiver's three lines (docs/integrations.md), and the timestamp's tolerance.
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        fresh = abs(time.time() - int(headers["webhook-timestamp"])) < 300
        return fresh and any(hmac.compare_digest(expected, s) for s in headers["webhook-signature"].split(" "))

    def receive(self, headers, body: bytes) -> int:
        with self.lock:
            if not self.verify(headers, body):
                self.bad_signatures += 1
                return 401
            if self.always_fail or self.fail_first > 0:
                self.fail_first -= 1
                self.failed_ids.append(headers["webhook-id"])
                return 500
            self.accepted.append((headers["webhook-id"], json.loads(body)))
            return 200

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(**kw) -> Receiver:
        made.append(Receiver(**kw))
        return made[-1]

    yield make
    for r in made:
        r.close()


def clp(amount: int) -> Money:
    return Money(Decimal(amount), "CLP")


def placed(order: str, customer: str = "cus_x", **kw) -> OrderPlaced:
    return OrderPlaced(order_id=order, order_number=f"AS-{order[-3:]}", customer_id=customer, channel="web",
                       delivery_method="ship", total=clp(12990),
                       lines=(LineFact(sku="ZAP-1", quantity=1, amount=clp(12990), category="running"),), **kw)


def paid(order: str) -> OrderPaid:
    return OrderPaid(order_id=order, order_number=f"AS-{order[-3:]}", customer_id="cus_x", channel="web",
                     total=clp(12990))


def cancelled(order: str) -> OrderCancelled:
    return OrderCancelled(order_id=order, order_number=f"AS-{order[-3:]}", customer_id="cus_x", reason="customer",
                          total=clp(12990), paid=True, cause="customer_request")


def stock(reference: str) -> StockChanged:
    return StockChanged(kind="receipt", reference=reference, lines=(StockLine(location="WH-CENTRAL", sku="ZAP-1", quantity=5),))


def emit_each(*events) -> None:
    for event in events:
        with transaction.atomic():
            outbox.emit(event)


def sweep_until_settled(rounds: int = 10) -> None:
    """The worker's periodic sweep, hours apart, until no delivery waits."""
    start = clock.now()
    for n in range(1, rounds + 1):
        with clock.frozen(start + dt.timedelta(hours=3 * n)):
            tasks.deliver_due.call_local()
        if not WebhookDelivery.objects.filter(status="pending").exists():
            return


def register(api, url, events, scopes=None) -> dict:
    body = {"url": url, "events": events}
    if scopes is not None:
        body["scopes"] = scopes
    answer = api.post("/webhook-endpoints", body)
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_every_subscribed_event_arrives_once_in_order_per_aggregate_through_failures(transactional_db, api, receiver):
    # given an endpoint whose receiver fails its first 3 requests
    hook = receiver(fail_first=3)
    created = register(api, hook.url, ["order.placed", "order.paid", "order.cancelled", "stock.changed"])
    hook.secret = created["secret"]

    # when events of two orders and the stock happen, and one the endpoint did not subscribe to
    emit_each(placed("ord_A01"), placed("ord_B02"), paid("ord_A01"), stock("REC-1"), cancelled("ord_A01"),
              paid("ord_B02"), stock("REC-2"),
              TicketOpened(ticket_id="tkt_1", number="T-1", conversation_id="cnv_1", customer_id="cus_x",
                           category="order", order_ref="", return_ref=""))
    sweep_until_settled()

    # then each subscribed event arrived exactly once, with every retry under the same webhook-id
    assert hook.bad_signatures == 0
    ids = [msg_id for msg_id, _ in hook.accepted]
    assert len(ids) == len(set(ids)) == 7
    assert len(hook.failed_ids) == 3 and set(hook.failed_ids) <= set(ids)
    # and in order per aggregate
    def sequence(predicate):
        return [(b["type"], b["data"].get("reference")) for _, b in hook.accepted if predicate(b)]
    assert sequence(lambda b: b["data"].get("order_id") == "ord_A01") == [
        ("order.placed", None), ("order.paid", None), ("order.cancelled", None)]
    assert sequence(lambda b: b["data"].get("order_id") == "ord_B02") == [("order.placed", None), ("order.paid", None)]
    assert sequence(lambda b: b["type"] == "stock.changed") == [("stock.changed", "REC-1"), ("stock.changed", "REC-2")]
    # and every body names its type, time and payload version
    assert all(b["version"] == 1 and b["timestamp"] and b["type"] for _, b in hook.accepted)
    # and the delivery log tells the story
    log = api.get(f"/webhook-endpoints/{created['id']}/deliveries").json()
    assert {d["status"] for d in log} == {"delivered"}
    assert sum(len(d["log"]) for d in log) == 10


def test_a_disabled_endpoint_stops_receiving_and_repeated_failures_disable_it(transactional_db, api, receiver, settings):
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBHOOK_DISABLE_AFTER_FAILURES": 3}
    # given an endpoint disabled by hand
    quiet = receiver()
    off = register(api, quiet.url, ["order.paid"])
    quiet.secret = off["secret"]
    assert api.post(f"/webhook-endpoints/{off['id']}/disable").json()["active"] is False
    # and one whose receiver always fails
    broken = receiver(always_fail=True)
    failing = register(api, broken.url, ["order.paid"])
    broken.secret = failing["secret"]

    # when orders are paid
    emit_each(paid("ord_C03"), paid("ord_D04"), paid("ord_E05"))
    sweep_until_settled()

    # then the disabled endpoint received nothing
    assert quiet.accepted == [] and quiet.failed_ids == []
    # and the failing one was disabled after 3 failed attempts in a row, and then left alone
    state = api.get(f"/webhook-endpoints/{failing['id']}").json()
    assert state["active"] is False and "3" in state["disabled_reason"]
    assert len(broken.failed_ids) == 3
    emit_each(paid("ord_F06"))
    sweep_until_settled()
    assert len(broken.failed_ids) == 3

    # when the receiver is fixed, the endpoint enabled and a failed delivery redelivered by hand
    broken.always_fail = False
    assert api.post(f"/webhook-endpoints/{failing['id']}/enable").json()["active"] is True
    sweep_until_settled()
    first = broken.failed_ids[0]
    api.post(f"/webhook-endpoints/{failing['id']}/deliveries/{first}/redeliver")
    # then what waited arrived (what happened while it was disabled was never queued for it), and the
    # redelivered one arrived again under the same webhook-id (receivers deduplicate on it)
    accepted = [msg_id for msg_id, _ in broken.accepted]
    assert sorted(body["data"]["order_id"] for _, body in broken.accepted) == ["ord_C03", "ord_C03", "ord_D04", "ord_E05"]
    assert accepted.count(first) == 2 and accepted[-1] == first


def test_no_personal_data_reaches_an_endpoint_without_the_pii_scope(transactional_db, api, receiver):
    with transaction.atomic():
        ana = do_identify(channel="web", identities=[{"kind": "email", "value": "ana.rojas@example.cl", "verified": True},
                                                     {"kind": "phone", "value": "+56987654321"}],
                          traits={"name": "Ana Rojas"}).customer_id
    plain, private = receiver(), receiver()
    plain.secret = register(api, plain.url, ["order.placed"])["secret"]
    private.secret = register(api, private.url, ["order.placed"], scopes=["pii"])["secret"]

    emit_each(placed("ord_G07", customer=ana, receipt_email="ana.rojas@example.cl",
                     tracking_url="https://shop.example/t/secret-token"))
    sweep_until_settled()

    (_, without), = plain.accepted
    raw = json.dumps(without)
    for personal in ("ana.rojas@example.cl", "Ana Rojas", "+56987654321", "secret-token"):
        assert personal not in raw
    assert without["data"]["customer_id"] == ana and without["data"]["order_id"] == "ord_G07"
    (_, with_pii), = private.accepted
    assert with_pii["data"]["customer"] == {"id": ana, "name": "Ana Rojas", "email": "ana.rojas@example.cl",
                                            "phone": "+56987654321"}
    assert with_pii["data"]["receipt_email"] == "ana.rojas@example.cl"


def test_registering_an_endpoint_is_for_admins_and_integrations_and_checks_every_field(db, api, issue_key):
    answer = api.post("/webhook-endpoints", {"url": "https://erp.example/hooks", "events": ["order.paid"]})
    assert answer.status_code == 201
    secret = answer.json()["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert answer.json()["id"].startswith("whe_")

    integration = api.as_(issue_key("integration"))
    assert integration.post("/webhook-endpoints", {"url": "https://bi.example/in", "events": ["stock.changed"]}).status_code == 201
    agent = api.as_(issue_key("agent"))
    assert agent.post("/webhook-endpoints", {"url": "https://x.example", "events": ["order.paid"]}).status_code == 403
    assert agent.get("/webhook-endpoints").status_code == 403

    bad = api.post("/webhook-endpoints", {"url": "ftp://x.example", "events": ["order.paid", "order.teleported"],
                                          "scopes": ["everything"]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "url"
    bad = api.post("/webhook-endpoints", {"url": "https://x.example", "events": ["order.teleported"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "events.0"
    bad = api.post("/webhook-endpoints", {"url": "https://x.example", "events": ["order.paid"], "scopes": ["all"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scopes.0"
    listed = api.get("/webhook-endpoints").json()
    assert {e["url"] for e in listed} == {"https://erp.example/hooks", "https://bi.example/in"}
    assert all("secret" not in e for e in listed)


def test_the_console_lists_endpoints_with_their_log_and_redelivers(transactional_db, api, receiver, staff, client):
    # given an endpoint with one delivery (and the sales channels: transactional tests flush them)
    with transaction.atomic():
        do_ensure_default_channels()
    hook = receiver()
    created = register(api, hook.url, ["order.paid"])
    hook.secret = created["secret"]
    emit_each(paid("ord_H08"))
    (msg_id, _), = hook.accepted

    # when an admin opens the console's webhooks page
    client.force_login(staff("admin"))
    page = client.get("/console/integrations/webhooks/", HTTP_ACCEPT_LANGUAGE="es")
    # then it shows the endpoint, its delivery and its log in Spanish
    html = page.content.decode()
    assert page.status_code == 200
    assert hook.url in html and msg_id in html and "entregada" in html and "Reenviar" in html
    # and the channels' product feeds at their signed links
    assert "Feeds de productos" in html and "/feeds/web.xml?token=" in html

    # when the admin redelivers it and disables the endpoint
    client.post(f"/console/integrations/webhooks/{created['id']}/redeliver", {"delivery": msg_id})
    client.post(f"/console/integrations/webhooks/{created['id']}/disable")
    # then it arrived again under the same webhook-id, and the endpoint is disabled
    assert [m for m, _ in hook.accepted] == [msg_id, msg_id]
    assert api.get(f"/webhook-endpoints/{created['id']}").json()["active"] is False

    # and an agent may not see the page
    client.force_login(staff("agent"))
    assert client.get("/console/integrations/webhooks/").status_code in {302, 403}


def test_erasing_a_customer_scrubs_the_stored_bodies_sent_with_the_pii_scope(transactional_db, api, receiver):
    with transaction.atomic():
        ana = do_identify(channel="web", identities=[{"kind": "email", "value": "ana.rojas@example.cl", "verified": True}],
                          traits={"name": "Ana Rojas"}).customer_id
    private = receiver()
    private.secret = register(api, private.url, ["order.placed"], scopes=["pii"])["secret"]
    emit_each(placed("ord_J09", customer=ana, receipt_email="ana.rojas@example.cl"))
    assert "ana.rojas@example.cl" in WebhookDelivery.objects.get().body

    emit_each(CustomerErased(customer_id=ana))

    body = WebhookDelivery.objects.get().body
    assert "ana.rojas@example.cl" not in body and "Ana Rojas" not in body
    assert json.loads(body)["data"]["order_id"] == "ord_J09"


def test_private_and_local_addresses_are_refused_where_not_allowed(transactional_db, api, receiver, settings):
    # given an endpoint on loopback registered where that is allowed (the demo, the tests)
    hook = receiver()
    created = register(api, hook.url, ["order.paid"])
    hook.secret = created["secret"]
    # when private addresses are not allowed (production's default)
    settings.OMNICANAL = {**settings.OMNICANAL, "WEBHOOK_ALLOW_PRIVATE_URLS": False}
    # then loopback, private and link-local endpoints are refused field by field
    for url in ("http://127.0.0.1:8000/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://[::1]/x",
                "http://localhost/x"):
        answer = api.post("/webhook-endpoints", {"url": url, "events": ["order.paid"]})
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "url", url
    # and the loopback endpoint already registered receives nothing: each attempt is refused and logged
    emit_each(paid("ord_K10"))
    assert hook.accepted == [] and hook.failed_ids == []
    (delivery,) = api.get(f"/webhook-endpoints/{created['id']}/deliveries").json()
    assert delivery["status"] == "pending" and delivery["log"][0]["error"].startswith("refused")


def test_order_cancelled_sends_its_cause_code_to_every_endpoint_and_the_words_only_with_pii():
    from omnicanal.integrations.catalogue import EVENTS, data_for

    payload = {"order_id": "ord_1", "order_number": "AS-1", "customer_id": "cus_x", "total": {},
               "reason": "Ana llamó desde el +56 9 1234 5678", "paid": False, "cause": "out_of_stock"}

    plain = data_for(EVENTS["order.cancelled"], payload, pii=False)
    assert plain["cause"] == "out_of_stock" and "reason" not in plain
    assert data_for(EVENTS["order.cancelled"], payload, pii=True)["reason"] == payload["reason"]


def _handed_over_together(*events) -> int:
    """The events written in one transaction and handed to the worker as one list (core.wakes.Handoffs,
    as a flash sale's placed orders are); answers the statements it ran on the webhooks' tables."""
    with outbox.deferred_dispatch(), transaction.atomic():
        ids = [outbox.emit(event).pk for event in events]
    with testing.worker_queued(), CaptureQueriesContext(connection) as captured:  # sent later, by the sweep
        core_tasks.dispatch_in_worker.call_local(ids)
    return sum(WebhookDelivery._meta.db_table in q["sql"] or WebhookEndpoint._meta.db_table in q["sql"]
               for q in captured.captured_queries)


def test_placed_orders_handed_over_together_get_one_delivery_each_per_endpoint_in_the_same_statements(
        transactional_db, api, receiver):
    # given two endpoints subscribed to order.placed, one of them with the pii scope
    plain, private = receiver(), receiver()
    plain.secret = register(api, plain.url, ["order.placed"])["secret"]
    private.secret = register(api, private.url, ["order.placed"], scopes=["pii"])["secret"]
    # when the worker takes three placed orders in one hand-over, then six in another
    three = _handed_over_together(*[placed(f"ord_T{n:02d}", receipt_email="ana@example.cl") for n in range(3)])
    six = _handed_over_together(*[placed(f"ord_S{n:02d}", receipt_email="ana@example.cl") for n in range(6)])
    sweep_until_settled()
    # then each order reached each endpoint once, the receipt address only the one allowed to see it
    assert sorted(b["data"]["order_id"] for _, b in plain.accepted) == sorted(
        [f"ord_T{n:02d}" for n in range(3)] + [f"ord_S{n:02d}" for n in range(6)])
    assert sorted(b["data"]["order_id"] for _, b in private.accepted) == sorted(b["data"]["order_id"] for _, b in plain.accepted)
    assert all("receipt_email" not in b["data"] for _, b in plain.accepted)
    assert all(b["data"]["receipt_email"] == "ana@example.cl" for _, b in private.accepted)
    # and the endpoints were read, and the deliveries written, once per hand-over, whatever its size
    assert six == three
