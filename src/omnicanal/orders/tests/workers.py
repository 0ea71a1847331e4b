"""Bodies of the concurrency tests, run in fresh processes (core.testing.run_in_processes)."""

import json
import time

from django.db import connection
from django.test import Client

ORDER = {"channel": "web", "lines": [{"sku": "FLASH-1", "quantity": 1}],
         "delivery": {"method": "ship", "address": {"line1": "Av 1", "city": "Santiago", "country": "CL"}}}


def same_key(auth: str, key: str) -> dict:
    """POST one order with the shared Idempotency-Key; retry while the first is still running."""
    client = Client()
    try:
        deadline = time.monotonic() + 60
        while True:
            r = client.post("/api/v1/orders", json.dumps(ORDER), content_type="application/json",
                            HTTP_AUTHORIZATION=auth, HTTP_IDEMPOTENCY_KEY=key)
            if r.status_code == 409 and r.json().get("type") == "/problems/request-in-progress" \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            return {"status": r.status_code, "id": r.json().get("id"),
                    "replayed": r.headers.get("Idempotent-Replayed") == "true"}
    finally:
        connection.close()


def same_key_threads(auth: str, key: str, threads: int) -> list[dict]:
    """`threads` duplicates at once from this process (each thread has its own connection)."""
    import threading

    results: list[dict] = []
    start = threading.Barrier(threads)

    def run():
        start.wait()
        results.append(same_key(auth, key))

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


def flash_buyer(auth: str, worker: int, attempts: int) -> dict:
    client = Client()
    outcome = {"ok": 0, "short": 0, "other": []}
    try:
        for i in range(attempts):
            r = client.post("/api/v1/orders", json.dumps(ORDER), content_type="application/json",
                            HTTP_AUTHORIZATION=auth, HTTP_IDEMPOTENCY_KEY=f"flash-{worker}-{i}")
            if r.status_code == 201:
                outcome["ok"] += 1
            elif r.status_code == 409 and r.json()["type"] == "/problems/insufficient-stock":
                outcome["short"] += 1
            else:
                outcome["other"].append(r.status_code)
    finally:
        connection.close()
    return outcome


def top_up_from(auth: str, customer_id: str, payment_id: str) -> dict:
    """Top up one customer's wallet from a payment that every process names at the same moment."""
    client = Client()
    try:
        r = client.post(f"/api/v1/customers/{customer_id}/wallet/top-ups",
                        json.dumps({"amount": {"amount": "5000"}, "reference": payment_id}),
                        content_type="application/json", HTTP_AUTHORIZATION=auth)
        return {"status": r.status_code}
    finally:
        connection.close()
