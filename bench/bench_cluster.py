"""The cluster's throughput with one web node and with two: a flash sale (orders/s) and inbound
WhatsApp webhooks (messages/s) through HAProxy, with the invariants checked after each run.

    .venv/bin/python bench/bench_cluster.py [--buyers 400] [--clients 16] [--units 100]
                                            [--messages 1000] [--concurrency 8] [--keep]

deploy/cluster.py starts the topology (HAProxy, web1 and web2, worker1 and worker2) on a fresh
PostgreSQL database `omnicanal_bench_cluster` (on DATABASE_URL's server, or CLUSTER_DATABASE_URL's),
Redis db 14, on free 19xxx ports. The bench seeds a product with stock, an integration key and a
WhatsApp inbox, then:
1. one node: web2 is killed (kill -9, deploy/cluster.py's `kill`) and HAProxy takes it out; the flash
   sale (bench_flash_sale's clients) and the webhooks (bench_inbound's signed bodies) go through the
   balancer to web1 alone;
2. two nodes: web2 is started again (`start`), both healthy, and the same load goes through the
   balancer, round robin.
Each run restocks `units`, uses its own Idempotency-Keys and message ids, and counts which node
answered (X-Omnicanal-Served-By). After each run, once the workers have handled the outbox: the
cluster's SQL invariants (deploy/cluster.py `check`) and the application's (`omnicanal invariants`),
printed; any violation fails the bench. Each web node is one uvicorn process (`serve --no-worker`),
so on a 2-core machine expect no gain: the figure is the cost of a second node and that nothing breaks.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DB_NAME = "omnicanal_bench_cluster"
REDIS_DB = 14
sys.path.insert(0, str(HERE))

import bench_flash_sale as flash  # noqa: E402 (the bench's own directory, above)
import bench_inbound as inbound  # noqa: E402


def _cluster_tool():
    spec = importlib.util.spec_from_file_location("omnicanal_deploy_cluster", ROOT / "deploy" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cluster = _cluster_tool()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=400, help="flash-sale buyers per run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent flash-sale clients")
    parser.add_argument("--units", type=int, default=100, help="units on sale per run")
    parser.add_argument("--messages", type=int, default=1000, help="webhooks per run")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads posting webhooks")
    parser.add_argument("--senders", type=int, default=300, help="distinct phone numbers")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running and its database")
    return parser.parse_args(argv)


def _port_base() -> int:
    for base in range(19000, 19990, 10):
        if all(cluster._port_free(port) for port in cluster._ports(base).values()):
            return base
    raise SystemExit("no free 19xxx ports for the cluster")


def _seed(state: dict, units: int) -> str:
    """In this process, on the cluster's database: the product, the warehouse, an integration key,
    the WhatsApp inbox and an agent (bench_inbound's setup). The key's Authorization header."""
    os.environ.update(cluster.process_env(state))
    os.environ["DJANGO_SETTINGS_MODULE"] = "omnicanal.web.settings"  # the cluster's env leaves it to the CLI
    import django

    django.setup()
    from django.db import connections, transaction

    from omnicanal.catalog import services as catalog
    from omnicanal.core.money import Money
    from omnicanal.core.services import do_create_api_key
    from omnicanal.inventory import services as inventory

    with transaction.atomic():
        catalog.do_ensure_default_channels()
        catalog.do_create_product(name_es="Zapatilla flash", category=catalog.do_ensure_category(ref="bench"),
                                  price=Money.of("39990"), variants=[catalog.VariantSpec(sku=flash.SKU)])
        inventory.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship"],
                                     lat=-33.389, lon=-70.775)
        key = do_create_api_key(role="integration", name="bench")
    inbound._setup()
    connections.close_all()
    return f"Bearer {key.secret}"


def _restock(units: int, reference: str) -> None:
    from django.db import connections, transaction

    from omnicanal.inventory import services as inventory

    with transaction.atomic():
        inventory.do_receive_stock(location="WH", lines=[(flash.SKU, units)], reference=reference)
    connections.close_all()


def _flash_sale(port: int, auth: str, args: argparse.Namespace, first_buyer: int) -> dict:
    """bench_flash_sale's clients, through the balancer; buyers numbered from first_buyer (their own
    Idempotency-Keys)."""
    warm = [threading.Thread(target=flash._ping, args=(port, auth)) for _ in range(8)]
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    results, elapsed = flash._sale(port, auth, "/api/v1/orders", args.buyers, args.clients, first_buyer)
    statuses = Counter(status for _, status, _, _ in results)
    latencies = sorted(lat * 1000 for lat, _, _, _ in results)
    return {"rate": len(results) / elapsed, "seconds": elapsed, "placed": statuses[201], "refused": statuses[409],
            "other": sum(n for s, n in statuses.items() if s not in (201, 409)),
            "p50": latencies[len(latencies) // 2], "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]}


def _webhooks(port: int, args: argparse.Namespace, first: int) -> dict:
    """bench_inbound's signed WhatsApp bodies (message ids from `first`), through the balancer."""
    import httpx

    phones = inbound._phones(args.senders)
    bodies = [inbound._body(first + n, phones[n % len(phones)]) for n in range(args.messages)]
    cursor, lock = iter(bodies), threading.Lock()
    failures, served = Counter(), Counter()

    def worker() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            while True:
                with lock:
                    body = next(cursor, None)
                if body is None:
                    return
                answer = http.post("/webhooks/whatsapp", content=body, headers={
                    "Content-Type": "application/json", "X-Hub-Signature-256": inbound._signature(body)})
                with lock:
                    served[answer.headers.get("x-omnicanal-served-by", "?")] += 1
                    if answer.status_code != 200:
                        failures[answer.status_code] += 1

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {"rate": len(bodies) / elapsed, "seconds": elapsed, "failures": dict(failures), "served": dict(served)}


def _invariants(state: dict, timeout: float = 120) -> tuple[dict, float]:
    """deploy/cluster.py's check (`omnicanal invariants --settled --json` in the cluster's environment:
    the one checker) once the workers have handled every outbox event, or `timeout` passed."""
    t0 = time.monotonic()
    while True:
        checked = cluster.check(state)
        figures = checked["figures"]
        if figures["events_done"] == figures["events"] or time.monotonic() - t0 > timeout:
            return checked, time.monotonic() - t0
        time.sleep(1)


def _wait_out(state: dict, node: str, timeout: float = 30) -> None:
    """Until HAProxy has taken `node` out: a request pinned to it is served by the other."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if cluster.health(state, node).get("served_by") != node:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"HAProxy still sends to {node} after {timeout:.0f} s")


def _run(state: dict, auth: str, args: argparse.Namespace, nodes: int) -> bool:
    port = state["ports"]["balancer"]
    _restock(args.units, f"bench-{nodes}")
    sale = _flash_sale(port, auth, args, first_buyer=nodes * 1_000_000)
    hooks = _webhooks(port, args, first=nodes * 10_000_000)
    checked, drained = _invariants(state)
    problems = {k: v for k, v in checked["problems"].items() if v}
    oversold = max(0, sale["placed"] - args.units)
    print(f"{nodes} node{'s' if nodes > 1 else ''} (load {Path('/proc/loadavg').read_text().split(' ', 3)[:3]}):")
    print(f"  flash sale : {sale['rate']:7.1f} orders/s ({args.buyers} buyers in {sale['seconds']:.2f} s, "
          f"{args.clients} clients), placed {sale['placed']} of {args.units} units, refused {sale['refused']}, "
          f"other {sale['other']}, p50 {sale['p50']:.0f} ms, p99 {sale['p99']:.0f} ms, oversold {oversold}")
    print(f"  inbound    : {hooks['rate']:7.1f} messages/s ({args.messages} webhooks in {hooks['seconds']:.2f} s, "
          f"{args.concurrency} clients), failures {hooks['failures'] or 0}, served by {hooks['served']}")
    print(f"  invariants : outbox handled in {drained:.1f} s after the run; omnicanal invariants --settled: "
          f"{problems or 'no problem'} (figures {checked['figures']})", flush=True)
    return not (problems or oversold or sale["other"] or hooks["failures"]
                or sale["placed"] != args.units)


def main(argv: list[str]) -> int:
    args = parse(argv)
    state_dir = Path(tempfile.mkdtemp(prefix="omnicanal-bench-cluster-"))
    print(f"machine: {os.cpu_count()} cores, load {Path('/proc/loadavg').read_text().strip()}", flush=True)
    t0 = time.monotonic()
    state = cluster.up(state_dir, _port_base(), DB_NAME, REDIS_DB, fresh=True)
    print(f"cluster up in {time.monotonic() - t0:.1f} s (balancer 127.0.0.1:{state['ports']['balancer']}, "
          f"state {state_dir})", flush=True)
    ok = True
    try:
        auth = _seed(state, args.units)
        cluster.kill(state, "web2")
        _wait_out(state, "web2")
        ok &= _run(state, auth, args, nodes=1)
        cluster.start(state, "web2")
        cluster.wait_healthy(state, worker=False)
        ok &= _run(state, auth, args, nodes=2)
    finally:
        if not args.keep:
            cluster.down(state_dir)
            if "DJANGO_SETTINGS_MODULE" in os.environ:
                from django.db import connections

                connections.close_all()
    print(f"verdict: {'every run placed exactly its units, no violation' if ok else 'FAILED (see above)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
