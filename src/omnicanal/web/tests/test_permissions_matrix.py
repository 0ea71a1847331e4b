"""Issue 21 item 4: the permissions matrix as a test (OWASP API1, broken object-level authorization).

Every operation of the OpenAPI documents × every role × an object of the caller's own location (or
customer) and one of another's. RIGHTS below is the one declarative table of who may do what: each
operation names the right of its domain's roles.py (the registry the API and the console read), plus
whether the object binds a store clerk to their own locations. Any 2xx outside the table fails.

The requests are built from the document itself: path parameters from real objects (an order, a
fulfilment, a transfer, a count at SCL and the same at VAP), bodies from the schema's required fields,
so the role check is what answers. Each case runs in a savepoint rolled back after the answer, so every
case starts from the same objects. Integration keys carry every scope here: which scope each operation
needs is proven apart (test_security_scopes.py).
"""

from __future__ import annotations

import importlib
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client

from omnicanal.core.models import Role, Scope

pytestmark = pytest.mark.django_db

STAFF_ROLES = tuple(Role.values)  # admin, manager, agent, store_staff, marketer, integration
OWN, FOREIGN = "SCL", "VAP"  # the store clerk's store, and another one
LOCAL = "location"  # the object binds a store clerk to their own locations
ANY_STAFF = STAFF_ROLES

# operationId (less "omnicanal_") -> (right, object). A right is "<domain>.<NAME>" of that domain's
# roles.py (admins hold every right) or a tuple of roles.
RIGHTS: dict[str, tuple[str | tuple[str, ...], str | None]] = {
    "web_api_me": (ANY_STAFF, None),
    # customers
    "customers_api_identify": ("customers.IDENTIFY", None),
    "customers_api_search": ("customers.READ", None),
    "customers_api_suggestions": ("customers.MERGE", None),
    "customers_api_accept_suggestion": ("customers.MERGE", None),
    "customers_api_reject_suggestion": ("customers.MERGE", None),
    "customers_api_get_customer": ("customers.READ", None),
    "customers_api_get_timeline": ("customers.READ", None),
    "customers_api_merge": ("customers.MERGE", None),
    "customers_api_put_consent": ("customers.WRITE", None),
    "customers_api_put_preferences": ("customers.WRITE", None),
    "customers_api_export": ("customers.PRIVACY", None),
    "customers_api_erase": ("customers.PRIVACY", None),
    # catalog
    "catalog_api_create_product": ("catalog.EDIT", None),
    "catalog_api_list_products": ("catalog.READ", None),
    "catalog_api_export_products": ("catalog.EDIT", None),
    "catalog_api_import_products": ("catalog.EDIT", None),
    "catalog_api_get_product": ("catalog.READ", None),
    "catalog_api_patch_product": ("catalog.EDIT", None),
    "catalog_api_upload_image": ("catalog.EDIT", None),
    "catalog_api_list_categories": ("catalog.READ", None),
    "catalog_api_create_category": ("catalog.EDIT", None),
    "catalog_api_list_channels": ("catalog.READ", None),
    "catalog_api_put_channel": ("catalog.CHANNEL_POLICY", None),
    "catalog_api_put_listing": ("catalog.EDIT", None),
    "catalog_api_get_listing": ("catalog.READ", None),
    "catalog_api_get_consistency": ("catalog.CONSISTENCY", None),
    # inventory
    "inventory_api_create_location": ("inventory.LOCATIONS", None),
    "inventory_api_list_locations": ("inventory.READ", None),
    "inventory_api_get_location": ("inventory.READ", None),
    "inventory_api_put_channel_link": ("inventory.LOCATIONS", None),
    "inventory_api_put_stock": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_get_stock": ("inventory.READ", None),
    "inventory_api_list_stock": ("inventory.READ", None),
    "inventory_api_post_receipt": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_post_adjustment": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_list_movements": ("inventory.STOCK_WRITE", None),
    "inventory_api_post_count": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_get_count": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_get_availability": ("inventory.READ", None),
    "inventory_api_post_availability_bulk": ("inventory.READ", None),
    "inventory_api_create_reservation": ("inventory.RESERVE", None),
    "inventory_api_list_reservations": ("inventory.RESERVE", None),
    "inventory_api_get_reservation": ("inventory.RESERVE", None),
    "inventory_api_release_reservation": ("inventory.RESERVE", None),
    "inventory_api_commit_reservation": ("inventory.RESERVE", None),
    "inventory_api_create_transfer": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_list_transfers": ("inventory.STOCK_WRITE", None),
    "inventory_api_get_transfer": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_ship_transfer": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_receive_transfer": ("inventory.STOCK_WRITE", LOCAL),
    "inventory_api_cancel_transfer": ("inventory.STOCK_WRITE", LOCAL),
    # loyalty
    "loyalty_api_get_loyalty": ("loyalty.READ", None),
    "loyalty_api_make_qr": ("loyalty.QR", None),
    "loyalty_api_resolve_qr": ("loyalty.QR_RESOLVE", None),
    "loyalty_api_adjust": ("loyalty.ADJUST", None),
    "loyalty_api_reward_activity": ("loyalty.ACTIVITIES", None),
    "loyalty_api_grant_store_credit": ("loyalty.STORE_CREDIT", None),
    "loyalty_api_list_approvals": ("loyalty.APPROVE", None),
    "loyalty_api_approve_grant": ("loyalty.APPROVE", None),
    "loyalty_api_reject_grant": ("loyalty.APPROVE", None),
    "loyalty_api_top_up": ("loyalty.TOP_UP", None),
    "loyalty_api_get_program": ("loyalty.READ", None),
    "loyalty_api_create_coupon": ("loyalty.MARKETING", None),
    "loyalty_api_validate_coupon": ("loyalty.COUPON_VALIDATE", None),
    "loyalty_api_redeem_coupon": ("loyalty.CHECKOUT", None),
    "loyalty_api_release_coupon": ("loyalty.CHECKOUT", None),
    "loyalty_api_get_coupon": ("loyalty.COUPON_READ", None),
    "loyalty_api_create_batch": ("loyalty.MARKETING", None),
    "loyalty_api_get_batch": ("loyalty.MARKETING", None),
    "loyalty_api_issue_gift_card": ("loyalty.GIFT_CARDS", None),
    "loyalty_api_gift_card_balance": ("loyalty.GIFT_CARD_BALANCE", None),
    "loyalty_api_spend_gift_card": ("loyalty.CHECKOUT", None),
    # orders
    "orders_api_create_cart": ("orders.SELLERS", None),
    "orders_api_get_cart": ("orders.READERS", None),
    "orders_api_put_cart_line": ("orders.SELLERS", None),
    "orders_api_attach_cart": ("orders.SELLERS", None),
    "orders_api_checkout_cart": ("orders.SELLERS", None),
    "orders_api_customer_cart": ("orders.READERS", None),
    "orders_api_place_order": ("orders.SELLERS", LOCAL),
    "orders_api_list_orders": ("orders.READERS", None),
    "orders_api_get_order": ("orders.READERS", LOCAL),
    "orders_api_cancel_order": ("orders.CANCELLERS", LOCAL),
    "orders_api_collect_payment": ("orders.FLOOR", LOCAL),
    "orders_api_refund_order": ("orders.REFUNDERS", LOCAL),
    "orders_api_open_dispute": (("manager", "agent", "integration"), LOCAL),  # DISPUTE_OPENERS, staff side
    "orders_api_list_disputes": ("orders.DISPUTE_READERS", None),
    "orders_api_get_dispute": ("orders.DISPUTE_READERS", None),
    "orders_api_decide_dispute": ("orders.DISPUTE_DECIDERS", None),
    "orders_api_short_pick": ("orders.FLOOR", LOCAL),
    "orders_api_reissue_pickup_code": ("orders.REISSUE", LOCAL),
    "orders_api_fulfillment_action": ("orders.FLOOR", LOCAL),
    "orders_api_create_return": ("orders.SELLERS", LOCAL),
    "orders_api_get_return": ("orders.READERS", LOCAL),
    "orders_api_return_sent": ("orders.SELLERS", LOCAL),
    "orders_api_receive_return": ("orders.FLOOR", LOCAL),
    # conversations
    "conversations_api_inbound": ("conversations.INBOUND", None),
    "conversations_api_list_conversations": ("conversations.READ", None),
    "conversations_api_get_conversation": ("conversations.READ", None),
    "conversations_api_reply": ("conversations.ANSWER", None),
    "conversations_api_assign": ("conversations.ANSWER", None),
    "conversations_api_resolve": ("conversations.ANSWER", None),
    "conversations_api_reopen": ("conversations.ANSWER", None),
    "conversations_api_return_to_bot": ("conversations.ANSWER", None),
    "conversations_api_snooze": ("conversations.ANSWER", None),
    "conversations_api_open_ticket": ("conversations.ANSWER", None),
    "conversations_api_list_tickets": ("conversations.READ", None),
    "conversations_api_set_ticket_status": ("conversations.ANSWER", None),
    # storefront (staff side), bot, marketing, feedback, integrations
    "storefront_api_sign_in_as": ("storefront.SIGN_IN_AS", None),
    "bot_api_parse": ("bot.PARSE", None),
    "marketing_api_purchase_cycles": ("marketing.READ", None),
    "marketing_api_recommendations": ("marketing.RECOMMEND", None),
    "marketing_api_train": ("marketing.OPERATE", None),
    "marketing_api_create_campaign": ("marketing.CAMPAIGNS", None),
    "marketing_api_get_campaign": ("marketing.CAMPAIGNS", None),
    "marketing_api_update_campaign": ("marketing.CAMPAIGNS", None),
    "marketing_api_launch_campaign": ("marketing.CAMPAIGNS", None),
    "marketing_api_schedule_campaign": ("marketing.CAMPAIGNS", None),
    "marketing_api_cancel_campaign": ("marketing.CAMPAIGNS", None),
    "marketing_api_preview_campaign": ("marketing.CAMPAIGNS", None),
    "marketing_api_list_flows": ("marketing.CAMPAIGNS", None),
    "marketing_api_update_flow": ("marketing.CAMPAIGNS", None),
    "marketing_api_customer_flow_entries": ("marketing.CAMPAIGNS", None),
    "marketing_api_create_segment": ("marketing.SEGMENTS", None),
    "marketing_api_count_segment": ("marketing.SEGMENTS", None),
    "marketing_api_get_segment": ("marketing.SEGMENTS", None),
    "marketing_subscription_api_list_subscriptions": ("marketing.SUBSCRIPTIONS", None),
    "marketing_subscription_api_subscribe_customer": ("marketing.SUBSCRIBE", None),
    "marketing_subscription_api_act_on_subscription": ("marketing.SUBSCRIPTIONS", None),
    "marketing_api_export_segment": ("marketing.SEGMENTS", None),
    "marketing_api_segment_audience": ("marketing.SEGMENTS", None),
    "feedback_api_eligibility": ("feedback.READ", None),
    "feedback_api_product_reviews": ("feedback.PUBLISHED", None),
    "feedback_api_list_reviews": ("feedback.MODERATE", None),
    "feedback_api_approve": ("feedback.MODERATE", None),
    "feedback_api_reject": ("feedback.MODERATE", None),
    "feedback_api_reply": ("feedback.MODERATE", None),
    "feedback_api_create_survey": ("feedback.SURVEYS", None),
    "feedback_api_send_survey": ("feedback.SURVEYS", None),
    "feedback_api_answer_survey": ("feedback.SURVEYS", None),
    "feedback_api_sentiment": ("feedback.UNSOLICITED", None),
    "feedback_api_post_feedback": ("feedback.UNSOLICITED", None),
    "feedback_api_import_feedback": ("feedback.UNSOLICITED", None),
    "feedback_api_list_feedback": ("feedback.READ", None),
    "feedback_api_list_alerts": ("feedback.READ", None),
    "feedback_api_acknowledge_alert": ("feedback.ALERTS", None),
    "feedback_api_create_trigger": ("feedback.SURVEYS", None),
    "feedback_api_list_triggers": ("feedback.SURVEYS", None),
    "feedback_api_update_trigger": ("feedback.SURVEYS", None),
    "feedback_api_list_due_sends": ("feedback.SURVEYS", None),
    "feedback_api_cancel_due_send": ("feedback.SURVEYS", None),
    "feedback_api_send_to_segment": ("feedback.SURVEYS", None),
    "feedback_api_pos_send": ("feedback.POS_SURVEY", None),
    "feedback_api_list_suggestions": ("feedback.READ", None),
    "feedback_api_file_suggestion": ("feedback.SUGGESTIONS", None),
    "feedback_api_set_suggestion_status": ("feedback.SUGGESTIONS", None),
    "feedback_api_merge_suggestion": ("feedback.SUGGESTIONS", None),
    "feedback_api_reply_suggestion": ("feedback.SUGGESTIONS", None),
    # analytics (store staff: their own stores only, narrowed inside the KPIs), marketplaces
    "analytics_api_get_kpis": ("analytics.KPIS", None),
    "analytics_api_get_journey": ("analytics.JOURNEY", None),
    "marketplaces_api_connect_account": ("marketplaces.MANAGE", None),
    "marketplaces_api_link_listing": ("marketplaces.MANAGE", None),
    "marketplaces_api_create_listings": ("marketplaces.MANAGE", None),
    "marketplaces_api_list_listings": ("marketplaces.READ", None),
    "marketplaces_api_pause_listing": ("marketplaces.MANAGE", None),
    "marketplaces_api_resume_listing": ("marketplaces.MANAGE", None),
    "marketplaces_api_get_warehouses": ("marketplaces.READ", None),
    "marketplaces_api_set_warehouses": ("marketplaces.MANAGE", None),
    "marketplaces_api_list_accounts": ("marketplaces.READ", None),
    "integrations_api_create_endpoint": ("integrations.MANAGE", None),
    "integrations_api_list_endpoints": ("integrations.READ", None),
    "integrations_api_get_endpoint": ("integrations.READ", None),
    "integrations_api_list_deliveries": ("integrations.READ", None),
    "integrations_api_redeliver": ("integrations.MANAGE", None),
    "integrations_api_enable": ("integrations.MANAGE", None),
    "integrations_api_disable": ("integrations.MANAGE", None),
    "integrations_api_update_endpoint": ("integrations.MANAGE", None),
    "integrations_api_delete_endpoint": ("integrations.MANAGE", None),
    "integrations_api_rotate_secret": ("integrations.MANAGE", None),
    "integrations_api_list_feeds": ("integrations.READ", None),
}


def holders(right) -> frozenset[str]:
    """The roles holding a right of the table (admins hold every right)."""
    if isinstance(right, str):
        domain, name = right.split(".")
        right = getattr(importlib.import_module(f"omnicanal.{domain}.roles"), name)
    return frozenset((*right, Role.ADMIN.value))


# --- requests built from the document ------------------------------------------------------------------


def _resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def minimal(document, schema, name=""):
    """The smallest value the schema accepts: required fields only, the first of a choice."""
    schema = _resolve(document, schema)
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            choices = [s for s in schema[key] if _resolve(document, s).get("type") != "null"]
            return minimal(document, choices[0], name)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: minimal(document, props[key], key) for key in schema.get("required", [])}
    if kind == "array":
        return [minimal(document, schema["items"], name) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    return SAMPLE_STRINGS.get(name, "x" * max(1, schema.get("minLength", 1)))


SAMPLE_STRINGS = {"sku": "SOCK-1", "currency": "CLP", "amount": "1000", "channel": "web", "email": "a@example.cl",
                  "phone": "+56911111111", "kind": "email", "value": "a@example.cl", "text": "hola"}


def _operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _request(document, path, method, operation, params, location):
    url = path
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", str(params[parameter["name"]]))
    query = {p["name"]: minimal(document, p["schema"], p["name"])
             for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")}
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = minimal(document, content["application/json"]["schema"])
        for key in ("location", "origin"):  # the object a body names: the caller's store or another's
            if key in body or key in _resolve(document, content["application/json"]["schema"]).get("properties", {}):
                body[key] = location
    return url, query, body


def send(client, method, url, query, body, auth):
    import json
    from urllib.parse import urlencode

    if query:
        url = f"{url}?{urlencode(query)}"
    if body is None and method in ("get", "delete"):
        return getattr(client, method)(url, **auth)
    return getattr(client, method)(url, json.dumps(body if body is not None else {}),
                                   content_type="application/json", **auth)


# --- the objects of two stores ------------------------------------------------------------------------


def _objects(api):
    """Path parameters naming an object at the clerk's store (SCL) and the same at another (VAP)."""
    from omnicanal.orders.tests.conftest import make_customer, make_world

    make_world()
    customer = make_customer()
    api.put(f"/stock/{FOREIGN}/SOCK-1", {"on_hand": 5})
    per_store = {}
    for code in (OWN, FOREIGN):
        order = api.post("/orders", {"channel": "pos", "customer_id": customer, "lines": [{"sku": "SOCK-1", "quantity": 1}],
                                     "delivery": {"method": "pickup", "location": code}})
        assert order.status_code == 201, order.content
        order = order.json()
        transfer = api.post("/transfers", {"origin": code, "destination": "WH", "lines": [{"sku": "SOCK-1", "quantity": 1}]})
        count = api.post("/counts", {"location": code, "lines": [{"sku": "SOCK-1", "on_hand": 5}]})
        per_store[code] = {
            "order_id": order["id"], "fulfillment_id": order["fulfillments"][0]["id"],
            "transfer_id": transfer.json().get("id", "none"), "count_id": count.json().get("id", "none"),
            "location": code, "code": code, "return_id": "ret_none",
        }
    common = {"customer_id": customer, "ref": "SOCK-1", "sku": "SOCK-1", "channel": "web", "handle": "none",
              "action": "pick"}
    return {code: {**common, **per_store[code]} for code in per_store}


class Unknown(dict):
    def __missing__(self, key):
        return "none"


def test_no_role_gets_a_2xx_outside_the_table_on_any_object(api, issue_key, client, ci_report):
    document = client.get("/api/openapi.json").json()
    operations = list(_operations(document))
    missing = sorted(op["operationId"].removeprefix("omnicanal_") for _, _, op in operations
                     if op["operationId"].removeprefix("omnicanal_") not in RIGHTS)
    assert missing == [], f"operations without a row in RIGHTS: {missing}"

    objects = {code: Unknown(values) for code, values in _objects(api).items()}
    keys = {role: issue_key(role, locations=[OWN] if role == Role.STORE_STAFF else (),
                            scopes=list(Scope.values) if role == Role.INTEGRATION else None)
            for role in STAFF_ROLES}
    tally, wrong, reached = Counter(), [], set()
    for path, method, operation in operations:
        name = operation["operationId"].removeprefix("omnicanal_")
        right, bound = RIGHTS[name]
        allowed = holders(right)
        # Another store's object differs from the clerk's own only where the object binds a clerk.
        for code in (OWN, FOREIGN) if bound == LOCAL else (OWN,):
            url, query, body = _request(document, path, method, operation, objects[code], code)
            for role in STAFF_ROLES:
                tally["cells"] += 1
                may = role in allowed and not (bound == LOCAL and role == Role.STORE_STAFF and code != OWN)
                if may and role != Role.ADMIN:
                    continue  # a cell that may answer 2xx proves nothing here; admin's shows the request reaches
                with transaction.atomic():
                    response = send(Client(), method, url, query, body, keys[role])
                    transaction.set_rollback(True)
                tally["sent"] += 1
                if 200 <= response.status_code < 300:
                    reached.add(name)
                    if not may:
                        wrong.append(f"{method.upper()} {url} as {role} ({code}) → {response.status_code}")
    ci_report(f"permissions matrix /api/v1: {len(operations)} operations × {len(STAFF_ROLES)} roles × "
              f"own/another store's object = {tally['cells']} (operation, role, object) cases, "
              f"{tally['sent']} sent (every case that must not answer 2xx, and admin's); "
              f"{len(reached)} operations reached a 2xx; {len(wrong)} unauthorized 2xx")
    assert wrong == [], "\n".join(wrong)
    assert len(reached) >= len(operations) // 3  # the requests reach the handlers, not only the validators


# --- the Store API: a shopper's own objects, never another customer's ------------------------------------

STORE = "/api/store/v1"
# What a caller that is not the object's owner may still read: the shop's public pages.
PUBLIC = {"storefront_api_browse_products", "storefront_api_browse_product", "storefront_api_browse_recommendations",
          "storefront_api_shopper_start_session", "storefront_api_shopper_loyalty_card",
          "feedback_store_api_product_reviews", "feedback_store_api_shop_suggestions"}
# Asking for a sign-in code or verifying one is what an anonymous session is for.
SESSION = PUBLIC | {"storefront_api_shopper_request_code", "storefront_api_shopper_verify_code",
                    "storefront_api_shopper_sign_out", "storefront_api_shopper_sign_out_everywhere",
                    "storefront_api_shopper_get_cart", "storefront_api_shopper_put_cart_line",
                    "storefront_api_account_get_wishlist", "storefront_api_account_put_wishlist",
                    "storefront_api_account_delete_wishlist"}  # a guest's wishlist lives on the session
OWNED = ("{order_id}", "{address_id}", "{subscription_id}")  # path parameters naming the owner's object


def test_no_shopper_gets_a_2xx_on_another_customer_s_object(api, client, ci_report):
    from omnicanal.orders.tests.conftest import make_customer, make_world

    make_world()
    ana, bea = make_customer(), make_customer(phone="+56987654000", name="Bea", email="bea@example.cl")
    order = api.post("/orders", {"channel": "web", "customer_id": ana, "lines": [{"sku": "SOCK-1", "quantity": 1}],
                                 "delivery": {"method": "pickup", "location": OWN}})
    assert order.status_code == 201, order.content

    def token(customer=None):
        answer = (api.post(f"/customers/{customer}/sessions", {}) if customer
                  else client.post(f"{STORE}/sessions", "{}", content_type="application/json"))
        assert answer.status_code == 201, answer.content
        return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}

    owner, callers = token(ana), {"another customer": token(bea), "anonymous session": token(),
                                   "staff key": api.auth}
    address = send(client, "post", f"{STORE}/addresses", None, {"label": "Casa", "line1": "Av. Apoquindo 4500",
                                                                "city": "Las Condes", "country": "CL"}, owner)
    assert address.status_code == 201, address.content
    subscription = send(client, "post", f"{STORE}/subscriptions", None, {
        "lines": [{"sku": "SOCK-1", "quantity": 1}], "interval_days": 30, "delivery_method": "pickup",
        "location": OWN}, owner)
    assert subscription.status_code == 201, subscription.content
    params = Unknown(order_id=order.json()["id"], address_id=address.json()["id"], handle="none",
                     subscription_id=subscription.json()["id"], action="pause")
    document = client.get(f"{STORE}/openapi.json").json()
    cases, owned, wrong = 0, 0, []
    for path, method, operation in _operations(document):
        name = operation["operationId"].removeprefix("omnicanal_")
        url, query, body = _request(document, path, method, operation, params, OWN)
        for caller, auth in callers.items():
            if name in PUBLIC or (name in SESSION and caller != "staff key"):
                continue  # anyone (or any session) may: nothing to prove
            if caller == "another customer" and not any(part in path for part in OWNED):
                continue  # their own account, not the owner's object
            with transaction.atomic():
                response = send(Client(), method, url, query, body, auth)
                transaction.set_rollback(True)
            cases += 1
            if 200 <= response.status_code < 300:
                wrong.append(f"{method.upper()} {url} as {caller} → {response.status_code}")
        with transaction.atomic():
            owned += 200 <= send(Client(), method, url, query, body, owner).status_code < 300
            transaction.set_rollback(True)
    ci_report(f"permissions matrix {STORE}: {cases} (operation, caller, object) cases (another customer, "
              f"an anonymous session, a staff key on the shopper's objects and account); "
              f"the owner reached a 2xx on {owned}; {len(wrong)} unauthorized 2xx")
    assert wrong == [], "\n".join(wrong)
    assert owned >= 10
