"""The cluster of deploy/cluster.py (HAProxy, two web nodes, two workers, PostgreSQL, Redis) under test.

PostgreSQL pass only. HAProxy missing and not installable fails these tests, never skips them. One
cluster for the module, started on free 18xxx ports with a PostgreSQL server of its own (the fault
drill restarts it; the machine's is shared) holding a copy of the test database (migrated already),
and stopped, server included, whatever happens. docs/scaling.md says what they prove.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import random
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

# django_db: so that pytest-django sets the test database up (migrated), which the cluster's is a copy of.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[4]
# The drill's workload (after Jepsen: faults during a mixed workload, then every invariant), each kind
# with a limit that half its requests run into, so that a double effect could not hide:
BUYERS, UNITS, SKU = 90, 45, "CLU-FLASH-1"  # orders: 90 buyers of one unit each, 45 on hand
HOLDERS, HOLDABLE, HOLD_SKU = 40, 30, "CLU-HOLD-1"  # reservations: 40 holds of one unit, 30 on hand
SAVED, REDEEMERS, REDEEM = 500, 20, 50  # ledger: 500 points, 20 redemptions of 50 (10 fit)
EARNERS, EARN = 15, 10  # ledger: 15 earnings of 10 points on another account
SENDERS, EACH = 10, 3  # WhatsApp: 10 customers writing 3 messages each (signed webhook deliveries)
CLIENTS = 12
WA = {"phone_number_id": "106540352242922", "access_token": "wa-token", "app_secret": "cluster-app-secret",
      "verify_token": "wa-verify", "api_version": "v21.0", "base_url": "http://127.0.0.1:9"}  # nothing listens
# 502/503/504: the balancer, while a node is dead; 500: a node whose database connection was cut in
# the middle of the request (its transaction rolled back). A client retries them all with its key.
RETRYABLE = {500, 502, 503, 504}


def _tool():
    spec = importlib.util.spec_from_file_location("omnicanal_deploy_cluster", ROOT / "deploy" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port_base(tool) -> int:
    for base in range(18200, 18990, 10):
        if all(tool._port_free(port) for port in tool._ports(base).values()):
            return base
    pytest.fail("no free 18xxx ports for the cluster")


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    from django.db import connection

    tool = _tool()
    template = connection.settings_dict["NAME"]
    state_dir = Path(tempfile.mkdtemp(prefix="omnicanal-cluster-"))
    try:
        try:
            # its own PostgreSQL server (the drill restarts it; the machine's is shared), the test
            # database copied in (pg_dump: no migrations to wait for)
            state = tool.up(state_dir, _free_port_base(tool), "omnicanal_cluster", redis_db=13, fresh=True,
                            template=template, own_postgres=True)
        except tool.ClusterError as exc:
            pytest.fail(f"the cluster did not start (HAProxy, PostgreSQL, Redis needed): {exc}", pytrace=False)
        yield tool, state
    finally:
        tool.down(state_dir, grace=8)  # its PostgreSQL server too, whose data goes with the folder
        shutil.rmtree(state_dir, ignore_errors=True)


def _api(tool, state, method, path, body=None, node=None, key=None):
    headers = {"Authorization": f"Bearer {state['seed']['api_key']}"}
    if node:
        headers["X-Omnicanal-Node"] = node
    if key:
        headers["Idempotency-Key"] = key
    status, headers, raw = tool.request(state["ports"]["balancer"], method, f"/api/v1{path}", body, headers)
    if "json" not in headers.get("content-type", ""):  # the balancer's own 502/503 page
        return status, headers, {"raw": raw[:200].decode(errors="replace")}
    return status, headers, json.loads(raw)


def test_health_through_the_balancer_answers_from_both_nodes(cluster):
    tool, state = cluster
    seen = []
    for _ in range(6):
        status, headers, raw = tool.request(state["ports"]["balancer"], "GET", "/health")
        body = json.loads(raw)
        assert status == 200 and body["status"] == "ok" and body["database"] == "ok"
        # the node's own answer (body, header) agrees with the balancer's (which server it chose)
        assert body["node"] == headers["x-omnicanal-node"] == headers["x-omnicanal-served-by"]
        seen.append(body["node"])
    assert set(seen) == {"web1", "web2"}, seen


def test_a_websocket_on_node_b_gets_the_push_of_a_message_that_arrived_on_node_a(cluster):
    import websockets

    tool, state = cluster
    port = state["ports"]["balancer"]
    external_id = f"cross-node-{uuid.uuid4().hex[:8]}"

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/console/inbox/", open_timeout=15,
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={state['seed']['agent_session']}",
                                "X-Omnicanal-Node": "web2"},
        ) as socket:
            # the upgrade went through the balancer to node B
            assert socket.response.headers["X-Omnicanal-Served-By"] == "web2"
            await socket.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "pong"}
            status, headers, body = await asyncio.to_thread(
                _api, tool, state, "POST", "/messages/inbound",
                {"channel": "marketplace", "identities": [{"kind": "email", "value": "cross@node.example"}],
                 "text": "¿Tienen la talla 42?", "external_id": external_id}, "web1")
            assert status == 202 and headers["x-omnicanal-served-by"] == "web1", (status, body)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                event = json.loads(await asyncio.wait_for(socket.recv(), max(0.1, deadline - time.monotonic())))
                if event.get("type") == "event" and event.get("message_id") == body["message_id"]:
                    return event, body
            raise AssertionError("no push for the message within 30 s")

    # on a thread of its own: a browser test run earlier by this process (pytest-xdist's worker, say)
    # leaves Playwright's event loop running on this one
    with ThreadPoolExecutor(1) as pool:
        event, body = pool.submit(asyncio.run, scenario()).result()
    assert event["conversation_id"] == body["conversation_id"]


class Call:
    """One client request done as a real client does it: the same Idempotency-Key (and body) on every
    retry after a reset connection, a 5xx or a 409 request-in-progress, until a final answer."""

    def __init__(self, kind: str, method: str, path: str, body: dict, *, api: bool = True, headers=None):
        self.kind, self.method, self.path, self.body, self.api = kind, method, path, body, api
        self.key = f"{kind}-{uuid.uuid4().hex[:10]}"
        self.headers = headers or {}
        self.attempts = 0
        self.final: tuple[int, dict] | None = None
        self.errors: list[str] = []
        self.served_by = ""

    def send(self, tool, state):
        if self.api:
            return _api(tool, state, self.method, self.path, self.body, key=self.key)
        status, headers, raw = tool.request(state["ports"]["balancer"], self.method, self.path, self.body,
                                            self.headers)
        return status, headers, (json.loads(raw) if "json" in headers.get("content-type", "") else
                                 {"raw": raw[:200].decode(errors="replace")})

    def run(self, tool, state, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.attempts += 1
            try:
                status, headers, answer = self.send(tool, state)
            except (OSError, ValueError) as exc:  # reset by a killed node, or a cut body
                self.errors.append(type(exc).__name__)
                time.sleep(0.2)
                continue
            self.served_by = headers.get("x-omnicanal-served-by", "")
            if status in RETRYABLE or (status == 409 and answer.get("type", "").endswith("request-in-progress")):
                self.errors.append(f"{status} {answer.get('type') or answer.get('raw', '')[:60]}".strip())
                time.sleep(0.2)
                continue
            self.final = (status, answer)
            return

    def answered(self, status: int, problem: str = "") -> bool:
        return bool(self.final) and self.final[0] == status and self.final[1].get("type", "").endswith(problem)


def _wa_delivery(sender: int, n: int) -> dict:
    """A WhatsApp Cloud API delivery of one text message, as Meta posts it."""
    wa_id = f"5699{sender:07d}"
    message = {"from": wa_id, "id": f"wamid.cluster-{sender}-{n}-{uuid.uuid4().hex[:8]}", "timestamp": str(int(time.time())),
               "type": "text", "text": {"body": f"Hola, ¿tienen stock? ({n})"}}
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "56229401234",
                                                          "phone_number_id": WA["phone_number_id"]},
             "contacts": [{"profile": {"name": f"Cliente {sender}"}, "wa_id": wa_id}], "messages": [message]}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}


def _signed(body: dict) -> dict:
    from omnicanal.channels.testing import hub_signature

    # tool.request sends json.dumps(body): the signature is over those very bytes
    return {"Content-Type": "application/json", "X-Hub-Signature-256": hub_signature(json.dumps(body).encode(),
                                                                                     WA["app_secret"])}


def _seed_drill(tool, state) -> dict:
    """The stock, the loyalty accounts and the WhatsApp inbox the drill's clients use."""
    assert _api(tool, state, "POST", "/locations", {
        "code": "CLU-WH", "name": "Bodega", "kind": "warehouse", "capabilities": ["ship"]})[0] == 201
    for sku, units in ((SKU, UNITS), (HOLD_SKU, HOLDABLE)):
        assert _api(tool, state, "POST", "/products", {
            "name": f"Zapatilla {sku}", "category": "cluster", "price": "39990", "variants": [{"sku": sku}]})[0] == 201
        assert _api(tool, state, "PUT", f"/stock/CLU-WH/{sku}", {"on_hand": units})[0] == 200
    customers = {}
    for who in ("saver", "earner"):
        status, _, body = _api(tool, state, "POST", "/customers/identify", {
            "channel": "web", "identities": [{"kind": "email", "value": f"{who}@cluster.example"}]})
        assert status == 200, body
        customers[who] = body["customer_id"]
    status, _, body = _api(tool, state, "POST", f"/customers/{customers['saver']}/loyalty/adjustments",
                           {"kind": "points", "amount": str(SAVED), "reason": "saldo inicial del simulacro"})
    assert status == 201, body
    # No API creates inboxes (staff do, in the console): the cluster's own command line does.
    code = ("from omnicanal.channels.services import do_create_inbox; "
            f"do_create_inbox(channel='whatsapp', name='WhatsApp cluster', config={WA!r})")
    created = subprocess.run([state["python"], "-m", "omnicanal.cli", "shell", "-c", code], env=tool.process_env(state),
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr[-2000:]
    return customers


def _workload(customers: dict) -> list[Call]:
    ship = {"method": "ship", "address": {"line1": "Av 1", "city": "Santiago", "country": "CL"}}
    calls = [Call("order", "POST", "/orders", {"channel": "web", "lines": [{"sku": SKU, "quantity": 1}],
                                                "delivery": ship}) for _ in range(BUYERS)]
    calls += [Call("hold", "POST", "/reservations", {"reference": f"hold-{n}", "channel": "web", "ttl_seconds": None,
                                                      "lines": [{"sku": HOLD_SKU, "quantity": 1}]})
              for n in range(HOLDERS)]
    calls += [Call("redeem", "POST", f"/customers/{customers['saver']}/loyalty/adjustments",
                   {"kind": "points", "amount": str(-REDEEM), "reason": f"canje {n}"}) for n in range(REDEEMERS)]
    calls += [Call("earn", "POST", f"/customers/{customers['earner']}/loyalty/adjustments",
                   {"kind": "points", "amount": str(EARN), "reason": f"acumulación {n}"}) for n in range(EARNERS)]
    for sender in range(SENDERS):
        for n in range(EACH):
            body = _wa_delivery(sender, n)
            calls.append(Call("whatsapp", "POST", "/webhooks/whatsapp", body, api=False, headers=_signed(body)))
    random.Random(21).shuffle(calls)  # every kind in flight at every fault
    return calls


def _settled(tool, state, timeout: float = 90) -> dict:
    """Both nodes healthy through the balancer, a worker's heartbeat fresh, every outbox event handled."""
    tool.wait_healthy(state, timeout=timeout)
    end = time.monotonic() + timeout
    while True:
        report = tool.check(state)
        if not report["problems"].get("outbox") or time.monotonic() > end:
            return report
        time.sleep(2)


def _burst(tool, state, calls: list[Call]) -> list[str]:
    """The calls on CLIENTS threads through the balancer; the faults at points of the burst: a web node
    a fifth in (kill -9, started again), a worker at 45 %, PostgreSQL restarted (immediate: a crash)
    at 60 %. What was done, in order.

    A gate keeps the clients from running past a fault's point before the fault is done: they may take
    the calls up to the point plus one each (so every client has a call in flight when it strikes),
    then wait. Without it a fast enough platform ended the burst while a node was being killed and
    started again, and the later faults struck nothing."""
    deadline = time.monotonic() + 100
    total = len(calls)
    points = (("web1", total // 5), ("worker1", total * 9 // 20), ("postgres", total * 3 // 5))
    taken, gate, opened = [0], [points[0][1] + CLIENTS], threading.Condition()

    def client():
        while True:
            with opened:
                opened.wait_for(lambda: taken[0] < gate[0] or taken[0] >= total)
                if taken[0] >= total:
                    return
                call = calls[taken[0]]
                taken[0] += 1
            call.run(tool, state, deadline)

    def open_gate(upto: int) -> None:
        with opened:
            gate[0] = upto
            opened.notify_all()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    faults = []

    def answered() -> int:
        return sum(1 for c in calls if c.final)

    try:
        for index, (name, at) in enumerate(points):
            while answered() < at and time.monotonic() < deadline:  # a call past the deadline stays unanswered
                time.sleep(0.02)
            assert answered() < total, f"the burst ended before the fault on {name}: it proves nothing"
            if name == "postgres":
                took = tool.restart_postgres(state, mode="immediate")
                faults.append(f"PostgreSQL restarted (pg_ctl restart -m immediate, {took} s) after {answered()} answers")
            else:
                faults.append(f"kill -9 {name} (pid {tool.kill(state, name)}) after {answered()} answers")
                time.sleep(0.5)
                tool.start(state, name)
            open_gate(points[index + 1][1] + CLIENTS if index + 1 < len(points) else total)
    finally:
        open_gate(total)
        for thread in threads:
            thread.join()
    return faults


def _outcome(call: Call) -> str:
    if not call.final:
        return "none"
    status, answer = call.final
    if "received" in answer:  # a webhook's answer: stored now, or a duplicate of what a lost answer stored
        return f"{status} received {answer['received']} duplicates {answer['duplicates']}"
    return f"{status} {answer.get('type', '').rsplit('/', 1)[-1]}".strip()


def test_a_mixed_burst_survives_killing_a_web_node_a_worker_and_restarting_postgresql(cluster, ci_report):
    tool, state = cluster
    t0 = time.monotonic()
    customers = _seed_drill(tool, state)
    before = _settled(tool, state)["figures"]
    calls = _workload(customers)
    t1 = time.monotonic()
    faults = _burst(tool, state, calls)
    t2 = time.monotonic()
    after_report = _settled(tool, state)
    seconds = {"cluster_up": state["up_in"], "seed": round(t1 - t0, 1), "burst": round(t2 - t1, 1),
               "settled_and_checked": round(time.monotonic() - t2, 1)}
    after, problems = after_report["figures"], after_report["problems"]

    by_kind = {kind: [c for c in calls if c.kind == kind] for kind in ("order", "hold", "redeem", "earn", "whatsapp")}
    outcomes = {kind: dict(sorted(Counter(_outcome(c) for c in group).items())) for kind, group in by_kind.items()}
    delta = {name: after[name] - before[name] for name in after}
    report = {
        "faults": faults, "calls": len(calls), "seconds": seconds, "outcomes": outcomes,
        "final_answers_by_node": dict(Counter(c.served_by for c in calls if c.final)),
        "retries": sum(c.attempts - 1 for c in calls),
        "retry_causes": dict(Counter(e for c in calls for e in c.errors)),
        "before": before, "after": after, "difference": {k: v for k, v in delta.items() if v},
        "problems": problems,
    }
    # the report belongs in CI's output, passed or not
    ci_report(f"cluster invariant report (cluster up in {state['up_in']} s):\n{json.dumps(report, indent=2)}")

    # every client got a final answer, and only the answers the limits allow
    orders, holds, redeems, earns, messages = by_kind.values()
    # orders: exactly the units on hand promised (nothing oversold, nothing left unsold)
    assert sum(c.answered(201) for c in orders) == UNITS
    assert sum(c.answered(409, "insufficient-stock") for c in orders) == BUYERS - UNITS
    # reservations: the same for holds
    assert sum(c.answered(201) for c in holds) == HOLDABLE
    assert sum(c.answered(409, "insufficient-stock") for c in holds) == HOLDERS - HOLDABLE
    # the ledger: redemptions up to the balance and no further (none spent twice), every earning once
    assert sum(c.answered(201) for c in redeems) == SAVED // REDEEM
    assert sum(c.answered(409, "insufficient-balance") for c in redeems) == REDEEMERS - SAVED // REDEEM
    assert all(c.answered(201) for c in earns)
    assert max(Decimal(c.final[1]["balance"]) for c in earns) == EARNERS * EARN
    # every delivery accepted (a retry of a stored one is answered as a duplicate)
    assert all(c.final and c.final[0] == 200 for c in messages), [c.final for c in messages if not c.final or c.final[0] != 200][:3]
    # no order doubled: each key answered one order, no two keys share one
    ids = [c.final[1]["id"] for c in orders if c.answered(201)]
    assert len(set(ids)) == len(ids) == UNITS
    # none lost and none made behind a client's back: the database holds exactly the answered effects
    assert delta["orders"] == delta["order_units"] == UNITS
    assert delta["reservations_active"] == HOLDABLE + UNITS  # each order holds its unit until fulfilled
    assert delta["reserved"] == delta["held_units"] == HOLDABLE + UNITS
    assert delta["transfers_posted"] == SAVED // REDEEM + EARNERS
    assert delta["messages_in"] == SENDERS * EACH and delta["conversations"] == SENDERS
    assert delta["events"] > 0 and after["events_done"] == after["events"]
    # every invariant of every domain holds: stock = movements, reserved = held, the ledger balanced,
    # each message stored once in one conversation, each handler run once, every event done, no
    # Idempotency-Key left claimed
    assert not any(problems.values()), problems
    # connections cut while idle cost no request a 500: each node replaces a dead pooled connection
    tool.restart_postgres(state, mode="fast")
    after_cut = [_api(tool, state, "GET", "/orders?limit=1", node=node)[0] for node in tool.WEB for _ in range(3)]
    assert after_cut == [200] * 6, after_cut
    health = {node: tool.health(state, node) for node in tool.WEB}
    assert all(h["http"] == 200 and h["status"] == "ok" and h["worker"]["status"] == "ok" for h in health.values())
