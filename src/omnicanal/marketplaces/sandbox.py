"""A loopback Mercado Libre: an HTTP server in a thread speaking the documented JSON of every call
the connector makes, with its state in memory. The tests run against it; the demo's sandbox can
point OMNICANAL["MERCADOLIBRE"]["API_URL"] at it (`Sandbox().start()`).

    POST /oauth/token            grant_type=refresh_token|authorization_code (form) → the token JSON;
                                 a refresh token works once (single-use, as the real one)
    GET  /orders/{id}            the order JSON (order_items, buyer, shipping, payments, status)
    GET  /shipments/{id}         the shipment JSON (status, logistic_type, receiver_address)
    GET  /questions/{id}         the question JSON (id, seller_id, text, status, item_id, from)
    POST /answers                {"question_id", "text"} → the question, now ANSWERED
    GET  /items/{id}             the item JSON
    PUT  /items/{id}             {"available_quantity"} / {"price"} / {"status"} → the item
    POST /items                  a new item (title, category_id, price, currency_id, available_quantity,
                                 listing_type_id, condition, pictures, attributes) → 201 the item,
                                 with its id and user_product_id; 400 with `cause` when a field lacks
                                 (or the category is not among `categories`, when set)
    GET  /user-products/{id}/stock                         the multi-origin stock: {"locations": […]}
    PUT  /user-products/{id}/stock/type/seller_warehouse   {"locations": [{"store_id", "quantity"}]}
                                 (a store not among `warehouses`, when set, is a 400)
    GET  /post-purchase/v1/claims/search?resource_id=…   {"paging", "data": [claims]}
    GET  /post-purchase/v1/claims/{id}                   the claim JSON (reason_id, status, resolution…)
    GET  /post-purchase/v2/claims/{id}/returns           the claim's return (status, shipping, orders)

Every call needs `Authorization: Bearer <a live access token>` (else 401 invalid_token, as the real
API). `fail_next(n, status)` makes the next n calls (not the token endpoint) answer 429 or 5xx.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "tests" / "fixtures" / "mercadolibre"


def fixture(name: str) -> dict:
    """A recorded payload (tests/fixtures/mercadolibre/<name>.json)."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _error(status: int, message: str, error: str) -> dict:
    return {"message": message, "error": error, "status": status, "cause": []}


class Sandbox:
    def __init__(self, *, client_id: str = "5503910054141466", client_secret: str = "sandbox-secret") -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.orders: dict[str, dict] = {}
        self.shipments: dict[str, dict] = {}
        self.questions: dict[str, dict] = {}
        self.items: dict[str, dict] = {}
        self.claims: dict[str, dict] = {}  # claim id → the claim (post-purchase)
        self.claim_returns: dict[str, dict] = {}  # claim id → its return
        self.answers: list[dict] = []
        self.item_updates: list[tuple[str, dict]] = []
        self.created_items: list[dict] = []  # POST /items bodies, as received
        self.user_product_stock: dict[str, dict[str, int]] = {}  # {user product: {store_id: quantity}}
        self.stock_updates: list[tuple[str, dict]] = []
        self.warehouses: set[str] = set()  # the seller's store ids (empty: any)
        self.categories: set[str] = set()  # the site's category ids an item may use (empty: any)
        self.token_calls: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.live_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self._failures: list[int] = []
        self._counter = itertools.count(1)
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # --- state ---------------------------------------------------------------------------
    def issue_tokens(self, user_id: int | str) -> dict:
        n = next(self._counter)
        access, refresh = f"APP_USR-{self.client_id}-{n:06d}-sandbox-{user_id}", f"TG-{n:06d}-{user_id}"
        self.live_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {"access_token": access, "token_type": "Bearer", "expires_in": 21600,
                "scope": "offline_access read write", "user_id": int(user_id), "refresh_token": refresh}

    def expire_tokens(self) -> None:
        self.live_tokens.clear()

    def fail_next(self, n: int, status: int = 429) -> None:
        self._failures.extend([status] * n)

    def put_order(self, order: dict) -> None:
        self.orders[str(order["id"])] = copy.deepcopy(order)

    def put_shipment(self, shipment: dict) -> None:
        self.shipments[str(shipment["id"])] = copy.deepcopy(shipment)

    def put_question(self, question: dict) -> None:
        self.questions[str(question["id"])] = copy.deepcopy(question)

    def put_item(self, item: dict) -> None:
        self.items[str(item["id"])] = copy.deepcopy(item)

    def put_claim(self, claim: dict, returned: dict | None = None) -> None:
        self.claims[str(claim["id"])] = copy.deepcopy(claim)
        if returned is not None:
            self.claim_returns[str(claim["id"])] = copy.deepcopy(returned)

    # --- the server ----------------------------------------------------------------------
    def seed_demo(self, seller_id: int | str = 468424240) -> dict:
        """The recorded item, order, shipment and question, and tokens for the seller: a sandbox the
        demo connects to (`omnicanal mercadolibre-sandbox`)."""
        for name, put in (("item", self.put_item), ("order", self.put_order), ("shipment", self.put_shipment),
                          ("question", self.put_question)):
            put(fixture(name))
        return self.issue_tokens(seller_id)

    def start(self, port: int = 0) -> str:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self, method: str) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, body = sandbox.handle(method, self.path, dict(self.headers), raw)
                self._answer(status, body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # --- the API -------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict, raw: bytes) -> tuple[int, dict]:
        with self.lock:
            self.requests.append((method, path))
            if path == "/oauth/token" and method == "POST":
                return self._token(dict(urllib.parse.parse_qsl(raw.decode())))
            if self._failures:
                status = self._failures.pop(0)
                return status, _error(status, "Too many requests" if status == 429 else "Internal server error",
                                      "too_many_requests" if status == 429 else "internal_error")
            token = (headers.get("Authorization") or headers.get("authorization") or "").removeprefix("Bearer ")
            if token not in self.live_tokens:
                return 401, _error(401, "invalid access token", "invalid_token")
            body = json.loads(raw) if raw else {}
            if path.startswith("/post-purchase/"):
                return self._post_purchase(method, path)
            return self._route(method, path.split("?")[0], body)

    def _token(self, form: dict) -> tuple[int, dict]:
        self.token_calls.append(form)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, _error(401, "invalid client_id or client_secret", "invalid_client")
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return 400, _error(400, "Error validating grant. Your authorization code or refresh token may be "
                                   "expired or it was already used", "invalid_grant")
            self.refresh_tokens.discard(form["refresh_token"])  # single-use
            user_id = form["refresh_token"].rsplit("-", 1)[-1]
            return 200, self.issue_tokens(user_id)
        if form.get("grant_type") == "authorization_code" and form.get("code", "").startswith("TG-"):
            return 200, self.issue_tokens(form["code"].rsplit("-", 1)[-1])
        return 400, _error(400, "invalid grant", "invalid_grant")

    def _route(self, method: str, path: str, body: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        handled = self._route_publishing(method, parts, body)
        if handled is not None:
            return handled
        store = {"orders": self.orders, "shipments": self.shipments, "questions": self.questions, "items": self.items}
        if method == "GET" and len(parts) == 2 and parts[0] in store:
            found = store[parts[0]].get(parts[1])
            if found is None:
                return 404, _error(404, f"{parts[0][:-1]} {parts[1]} not found", "not_found")
            return 200, copy.deepcopy(found)
        if method == "PUT" and len(parts) == 2 and parts[0] == "items":
            item = self.items.get(parts[1])
            if item is None:
                return 404, _error(404, f"Item with id {parts[1]} not found", "not_found")
            self.item_updates.append((parts[1], body))
            item.update({k: v for k, v in body.items() if k in ("available_quantity", "price", "status", "title")})
            return 200, copy.deepcopy(item)
        if method == "POST" and parts == ["answers"]:
            question = self.questions.get(str(body.get("question_id")))
            if question is None or not body.get("text"):
                return 400, _error(400, "invalid question_id or text", "bad_request")
            if question.get("status") == "ANSWERED":
                return 400, _error(400, "The question was already answered", "bad_request")
            self.answers.append(body)
            question["status"] = "ANSWERED"
            question["answer"] = {"text": body["text"], "status": "ACTIVE", "date_created": "2026-12-06T12:00:00.000-04:00"}
            return 200, copy.deepcopy(question)
        return 404, _error(404, f"Resource {path} not found", "not_found")

    # --- items created from the catalog, multi-origin stock (docs/integrations.md) ------------------
    REQUIRED_ITEM_FIELDS = ("title", "category_id", "price", "currency_id", "available_quantity",
                            "listing_type_id", "condition")

    def _route_publishing(self, method: str, parts: list[str], body: dict) -> tuple[int, dict] | None:
        if method == "POST" and parts == ["items"]:
            return self._create_item(body)
        if parts[:1] == ["user-products"] and len(parts) >= 3 and parts[2] == "stock":
            if method == "GET" and len(parts) == 3:
                stock = self.user_product_stock.get(parts[1])
                if stock is None:
                    return 404, _error(404, "stock-locations not found", "not_found")
                return 200, {"id": parts[1], "locations": [{"type": "seller_warehouse", "store_id": s, "quantity": q}
                                                            for s, q in stock.items()]}
            if method == "PUT" and parts[3:] == ["type", "seller_warehouse"]:
                return self._put_warehouse_stock(parts[1], body)
        return None

    def _create_item(self, body: dict) -> tuple[int, dict]:
        missing = [name for name in self.REQUIRED_ITEM_FIELDS if body.get(name) in (None, "")]
        if missing or not isinstance(body.get("price"), (int, float)) or body["price"] <= 0:
            cause = [{"code": "item.attribute.missing", "message": f"{name} is required", "type": "error"}
                     for name in missing] or [{"code": "item.price.invalid", "message": "price", "type": "error"}]
            return 400, {**_error(400, "Validation error", "validation_error"), "cause": cause}
        if self.categories and body["category_id"] not in self.categories:
            return 400, {**_error(400, f"Category {body['category_id']} does not exist", "validation_error"),
                         "cause": [{"code": "item.category_id.invalid", "type": "error"}]}
        n = next(self._counter)
        item = {**copy.deepcopy(body), "id": f"MLC{9000000000 + n}", "user_product_id": f"MLCU{8000000000 + n}",
                "site_id": "MLC", "status": "active", "sold_quantity": 0}
        self.created_items.append(copy.deepcopy(body))
        self.items[item["id"]] = item
        return 201, copy.deepcopy(item)

    def _put_warehouse_stock(self, user_product_id: str, body: dict) -> tuple[int, dict]:
        items = [item for item in self.items.values() if item.get("user_product_id") == user_product_id]
        if not items:
            return 404, _error(404, f"User product {user_product_id} not found", "not_found")
        locations = body.get("locations")
        if not isinstance(locations, list) or not locations:
            return 400, _error(400, "locations is required", "bad_request")
        for place in locations:
            store, quantity = place.get("store_id"), place.get("quantity")
            if not store or not isinstance(quantity, int) or quantity < 0:
                return 400, _error(400, "each location needs store_id and a quantity >= 0", "bad_request")
            if self.warehouses and store not in self.warehouses:
                return 400, _error(400, f"store {store} does not belong to the seller", "bad_request")
        self.stock_updates.append((user_product_id, copy.deepcopy(body)))
        stock = self.user_product_stock.setdefault(user_product_id, {})
        stock.update({place["store_id"]: place["quantity"] for place in locations})
        for item in items:
            item["available_quantity"] = sum(stock.values())
        return 200, {"id": user_product_id, "locations": [{"type": "seller_warehouse", "store_id": s, "quantity": q}
                                                          for s, q in stock.items()]}
    # --- post-purchase: claims and returns (kept apart from the rest for merges) -----------
    def _post_purchase(self, method: str, path: str) -> tuple[int, dict]:
        """GET /post-purchase/v1/claims/search?resource_id=…&status=…, GET /post-purchase/v1/claims/{id},
        GET /post-purchase/v2/claims/{id}/returns (404 when the claim has no return)."""
        route, _sep, query = path.partition("?")
        parts = route.strip("/").split("/")
        if method != "GET":
            return 405, _error(405, "Method not allowed", "method_not_allowed")
        if parts == ["post-purchase", "v1", "claims", "search"]:
            return 200, self._search_claims(dict(urllib.parse.parse_qsl(query)))
        if len(parts) == 4 and parts[:3] == ["post-purchase", "v1", "claims"]:
            claim = self.claims.get(parts[3])
            if claim is None:
                return 404, _error(404, f"Claim {parts[3]} not found", "not_found")
            return 200, copy.deepcopy(claim)
        if len(parts) == 5 and parts[:3] == ["post-purchase", "v2", "claims"] and parts[4] == "returns":
            returned = self.claim_returns.get(parts[3])
            if returned is None:
                return 404, _error(404, f"Return of claim {parts[3]} not found", "not_found")
            return 200, copy.deepcopy(returned)
        return 404, _error(404, f"Resource {route} not found", "not_found")

    def _search_claims(self, query: dict) -> dict:
        found = [c for c in self.claims.values()
                 if all(str(c.get(k)) == v for k, v in query.items() if k in ("resource_id", "resource", "status",
                                                                                "stage", "type", "id"))]
        offset, limit = int(query.get("offset") or 0), int(query.get("limit") or 30)
        return {"paging": {"offset": offset, "limit": limit, "total": len(found)},
                "data": copy.deepcopy(found[offset:offset + limit])}
