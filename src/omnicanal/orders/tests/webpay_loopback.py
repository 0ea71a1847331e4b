"""A Webpay Plus REST server on 127.0.0.1 for the tests: it speaks the documented JSON (the recorded
payloads in fixtures/webpay/), refuses calls without the commerce code and secret key headers,
records every call, and plays the shopper's side through `decide(token, ...)`."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from omnicanal.orders.webpay import API_PATH

FIXTURES = Path(__file__).parent / "fixtures" / "webpay"
COMMERCE_CODE = "597055555532"
API_KEY = "loopback-secret-key-0123456789"
ROUTE = re.compile(r"^" + re.escape(API_PATH) + r"(?:/(?P<token>[^/]+)(?P<refunds>/refunds)?)?/?$")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


class FakeWebpay:
    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.transactions: dict[str, dict] = {}
        self.tamper: dict = {}  # fields overriding the commit answer (a provider that answers other values)
        self.delay = 0.0  # seconds before answering (a provider too slow: our timeout fires)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeWebpay:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the shopper does on Webpay's page
    def decide(self, token: str, choice: str) -> None:
        """approve or reject: the form was completed (Webpay then returns token_ws)."""
        with self.lock:
            self.transactions[token]["decision"] = choice

    def calls_to(self, method: str, suffix: str = "") -> list[dict]:
        return [c for c in self.calls if c["method"] == method and c["path"].endswith(suffix)]

    # --- the REST side
    def _answer(self, method: str, path: str, headers, raw: bytes) -> tuple[int, dict]:
        body = json.loads(raw) if raw else None
        with self.lock:
            self.calls.append({"method": method, "path": path, "headers": {k.lower(): v for k, v in headers.items()}, "body": body})
        if self.delay:
            time.sleep(self.delay)
        if headers.get("Tbk-Api-Key-Id") != COMMERCE_CODE or headers.get("Tbk-Api-Key-Secret") != API_KEY:
            return 401, {"error_message": "Not Authorized"}
        if headers.get("Content-Type") != "application/json":
            return 415, {"error_message": "Content-Type must be application/json"}
        match = ROUTE.match(path)
        if match is None:
            return 404, {"error_message": "Not found"}
        token = match["token"]
        if token is None and method == "POST":
            return self._create(body or {})
        with self.lock:
            tx = self.transactions.get(token or "")
            if tx is None:
                return 422, {"error_message": f"Invalid value for parameter: token ({token})"}
            if match["refunds"] and method == "POST":
                return self._refund(tx, body or {})
            if method == "PUT":
                return self._commit(tx)
            if method == "GET":
                return 200, self._status(tx)
        return 405, {"error_message": "Method not allowed"}

    def _create(self, body: dict) -> tuple[int, dict]:
        if set(body) != set(fixture("create_request")) or not isinstance(body["amount"], int | float):
            return 422, {"error_message": "buy_order, session_id, amount and return_url are required"}
        if len(body["buy_order"]) > 26 or len(body["session_id"]) > 61 or len(body["return_url"]) > 255:
            return 422, {"error_message": "a field is too long"}
        token = secrets.token_hex(32)
        with self.lock:
            self.transactions[token] = {**body, "token": token, "decision": "", "committed": False, "status": ""}
        return 200, {**fixture("create_response"), "token": token, "url": f"{self.url}/webpayserver/initTransaction"}

    def _filled(self, name: str, tx: dict) -> dict:
        return {**fixture(name), "buy_order": tx["buy_order"], "session_id": tx["session_id"], "amount": tx["amount"]}

    def _commit(self, tx: dict) -> tuple[int, dict]:
        if tx["committed"] or tx["decision"] not in ("approve", "reject"):
            return 422, fixture("error_refused")
        tx["committed"] = True
        tx["status"] = "AUTHORIZED" if tx["decision"] == "approve" else "FAILED"
        return 200, {**self._status(tx), **self.tamper}

    def _status(self, tx: dict) -> dict:
        if tx["status"] == "AUTHORIZED" or (tx["decision"] == "approve" and not tx["committed"]):
            return self._filled("commit_approved", tx)
        if tx["status"] == "FAILED" or tx["decision"] == "reject":
            return self._filled("commit_rejected", tx)
        return self._filled("status_unfinished", tx)

    def _refund(self, tx: dict, body: dict) -> tuple[int, dict]:
        if not isinstance(body.get("amount"), int | float):
            return 422, fixture("error_refused")
        if body["amount"] == tx["amount"]:
            return 200, fixture("refund_reversed")
        return 200, {**fixture("refund_nullified"), "nullified_amount": float(body["amount"]),
                     "balance": float(tx["amount"] - body["amount"])}

    def _hosted_page(self, raw: bytes) -> tuple[int, bytes]:
        """Webpay's form, for the browser tests: it receives token_ws by POST and its button posts
        token_ws back to the return URL (the shopper's choice is set beforehand with `decide`)."""
        token = parse_qs(raw.decode()).get("token_ws", [""])[0]
        tx = self.transactions.get(token)
        if tx is None:
            return 404, b"<!doctype html><title>Webpay</title><p>Unknown token</p>"
        page = (f'<!doctype html><title>Webpay loopback</title><form method="post" action="{escape(tx["return_url"])}">'
                f'<input type="hidden" name="token_ws" value="{escape(token)}">'
                f'<button type="submit" data-testid="webpay-form-pay">Pagar</button></form>')
        return 200, page.encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/webpayserver/"):
                    status, data, kind = *fake._hosted_page(raw), "text/html; charset=utf-8"
                else:
                    status, body = fake._answer(self.command, self.path, self.headers, raw)
                    data, kind = json.dumps(body).encode(), "application/json"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (our timeout): nothing to answer

            do_GET = do_POST = do_PUT = _serve  # noqa: N815

            def log_message(self, format, *args):  # noqa: A002
                pass

        return Handler
