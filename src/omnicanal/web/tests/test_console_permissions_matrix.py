"""Issue 21 item 4, the console half: who may open (GET) and act on (POST) every console page.

Every URL pattern under /console/ (read from Django's URL resolver, so a new page without a row in
PAGES fails the test) × every staff role signed in, and anonymous × GET and POST × an object of the
store clerk's own store and one of another store where the page names a per-location object (an
order, a fulfilment, a count, a transfer). PAGES is the one declarative table: for each page, the
right to open it, the right to act on it (each a "<domain>.<NAME>" of that domain's roles.py, which
the views pass to core.console.staff_required; admins hold every right), and whether its object binds
a store clerk to their own stores.

A case outside the table must be refused: 403 or 404 for a signed-in role (or 405: a method the page
never takes), a redirect to the sign-in page (or 403/404/405) for anonymous. A 2xx,
a redirect elsewhere or any other answer fails. Cases the table allows are not sent (a 2xx there
proves nothing), except admin's, which show that the requests reach the pages. Each case runs in a
savepoint rolled back after the answer, on a fresh client holding the role's session cookie (a
logout in one case cannot sign the next one out).

Where the store is chosen in a form's body (receipt, adjustment, count, new transfer, returns desk,
POS) the forms offer only the clerk's codes and the views call require_location again: proven by
those apps' tests, not here.
"""

from __future__ import annotations

import importlib
from collections import Counter

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from omnicanal.core.models import Role

pytestmark = pytest.mark.django_db

ROLES = tuple(Role.values)  # admin, manager, agent, store_staff, marketer, integration
ANONYMOUS = "anonymous"
OWN, FOREIGN = "SCL", "VAP"
LOCAL = "location"  # the page's object binds a store clerk to their own stores
SAME = "same"  # a read page: a POST answers as the GET does (it acts on nothing)
ANY_STAFF = ROLES
PUBLIC = {"web:login", "web:logout", "catalog:image", "orders:pos_worker"}  # no sign-in: product images, the POS worker

# name -> (open: GET, act: POST, object). A right is "<domain>.<NAME>" of that domain's roles.py, a
# tuple of roles, or None: the page does not take that method (405).
PAGES: dict[str, tuple] = {
    "web:home": (ANY_STAFF, SAME, None),
    "web:preferences": (ANY_STAFF, ANY_STAFF, None),
    # customers
    "customers:list": ("customers.READ", SAME, None),
    "customers:duplicates": ("customers.MERGE", SAME, None),
    "customers:find_duplicates": (None, "customers.MERGE", None),
    "customers:accept": (None, "customers.MERGE", None),
    "customers:reject": (None, "customers.MERGE", None),
    "customers:detail": ("customers.READ", SAME, None),
    "customers:timeline": ("customers.READ", SAME, None),
    "customers:consent": (None, "customers.WRITE", None),
    "customers:preferences": (None, "customers.WRITE", None),
    "customers:merge": (None, "customers.MERGE", None),
    "customers:export": ("customers.PRIVACY", SAME, None),
    "customers:erase": ("customers.PRIVACY", "customers.PRIVACY", None),
    # catalog
    "catalog:list": ("catalog.READ", SAME, None),
    "catalog:new": ("catalog.EDIT", "catalog.EDIT", None),
    "catalog:detail": ("catalog.READ", SAME, None),
    "catalog:image-upload": (None, "catalog.EDIT", None),
    "catalog:listing-edit": ("catalog.EDIT", "catalog.EDIT", None),
    "catalog:listing-cell": ("catalog.READ", SAME, None),
    "catalog:consistency": ("catalog.CONSISTENCY", SAME, None),
    "catalog:import": ("catalog.EDIT", "catalog.EDIT", None),
    "catalog:export": ("catalog.EDIT", SAME, None),
    "catalog:channels": ("catalog.EDIT", "catalog.CHANNEL_POLICY", None),
    # inventory
    "inventory:grid": ("inventory.READ", SAME, None),
    "inventory:movements": ("inventory.STOCK_WRITE", SAME, None),
    "inventory:receipt": ("inventory.STOCK_WRITE", "inventory.STOCK_WRITE", None),
    "inventory:adjustment": ("inventory.STOCK_WRITE", "inventory.STOCK_WRITE", None),
    "inventory:count": ("inventory.STOCK_WRITE", "inventory.STOCK_WRITE", None),
    "inventory:count-report": ("inventory.STOCK_WRITE", SAME, LOCAL),
    "inventory:transfers": ("inventory.STOCK_WRITE", SAME, None),
    "inventory:transfer-new": ("inventory.STOCK_WRITE", "inventory.STOCK_WRITE", None),
    "inventory:transfer-action": (None, "inventory.STOCK_WRITE", LOCAL),
    "inventory:locations": ("inventory.READ", SAME, None),
    "inventory:location-holiday": (None, "inventory.LOCATIONS", None),
    "inventory:reservations": ("inventory.RESERVE", SAME, None),
    # loyalty
    "loyalty:list": ("loyalty.READ", SAME, None),
    "loyalty:customer": ("loyalty.READ", SAME, None),
    "loyalty:adjustments": ("loyalty.ADJUST", "loyalty.ADJUST", None),
    "loyalty:program": ("loyalty.MARKETING", "loyalty.MARKETING", None),
    "loyalty:coupons": ("loyalty.MARKETING", "loyalty.MARKETING", None),
    "loyalty:coupon": ("loyalty.MARKETING", "loyalty.MARKETING", None),
    "loyalty:batch": ("loyalty.MARKETING", SAME, None),
    "loyalty:batch_csv": ("loyalty.MARKETING", SAME, None),
    "loyalty:gift_cards": ("loyalty.GIFT_CARDS", "loyalty.GIFT_CARDS", None),
    "loyalty:approvals": ("loyalty.APPROVE", "loyalty.APPROVE", None),
    "loyalty:panel_credit": (None, "loyalty.GOODWILL", None),
    "loyalty:panel_coupon": (None, "loyalty.GOODWILL", None),
    # orders (the console grants the API's rights to staff: orders.roles.console drops integration)
    "orders:list": ("orders.READERS", SAME, None),
    "orders:queue": ("orders.FLOOR", SAME, None),
    "orders:pos": ("orders.FLOOR", "orders.FLOOR", None),
    "orders:pickups": ("orders.FLOOR", SAME, None),
    "orders:returns_desk": ("orders.FLOOR", "orders.FLOOR", None),
    "orders:detail": ("orders.READERS", SAME, LOCAL),
    "orders:cancel": (None, "orders.CANCELLERS", LOCAL),
    "orders:refund": (None, "orders.REFUNDERS", LOCAL),
    "orders:collect": (None, "orders.FLOOR", LOCAL),
    "orders:action": (None, "orders.FLOOR", LOCAL),
    "orders:panel": ("orders.READERS", SAME, None),
    "orders:panel_resend_tracking": (None, "orders.THREAD_ACTORS", LOCAL),
    "orders:panel_return": (None, "orders.THREAD_ACTORS", LOCAL),
    "orders:disputes": ("orders.DISPUTE_READERS", SAME, None),
    "orders:dispute": ("orders.DISPUTE_READERS", SAME, None),
    "orders:dispute_decide": (None, "orders.DISPUTE_DECIDERS", None),
    "orders:dispute_open": (None, ("manager", "agent"), LOCAL),  # DISPUTE_OPENERS, staff side
    "orders:return_label": ("orders.READERS", SAME, None),
    "orders:return_sent": (None, "orders.READERS", None),
    "orders:return_receive": (None, "orders.FLOOR", None),
    # conversations, channels, bot
    "conversations:inbox": ("conversations.ANSWER", SAME, None),
    "conversations:list": ("conversations.ANSWER", SAME, None),
    "conversations:tickets": ("conversations.ANSWER", SAME, None),
    "conversations:ticket_status": (None, "conversations.ANSWER", None),
    "conversations:canned": ("conversations.SERVICE_DESK", "conversations.SERVICE_DESK", None),
    "conversations:availability": (None, "conversations.ANSWER", None),
    "conversations:attachment": ("conversations.ANSWER", SAME, None),
    "conversations:conversation": ("conversations.ANSWER", SAME, None),
    "conversations:thread": ("conversations.ANSWER", SAME, None),
    "conversations:reply": (None, "conversations.ANSWER", None),
    "conversations:assign": (None, "conversations.ANSWER", None),
    "conversations:status": (None, "conversations.ANSWER", None),
    "conversations:ticket": (None, "conversations.ANSWER", None),
    "conversations:link_order": (None, "conversations.SERVICE_DESK", None),
    "channels:inboxes": ("channels.CONFIGURE", SAME, None),
    "channels:create": (None, "channels.CONFIGURE", None),
    "channels:update": (None, "channels.CONFIGURE", None),
    "channels:call": (None, "channels.CALL", None),
    "bot:settings": ("bot.READ", SAME, None),
    "bot:save_settings": (None, "bot.SETTINGS", None),
    "bot:knowledge": ("bot.READ", SAME, None),
    "bot:save_article": (None, "bot.KNOWLEDGE", None),
    "bot:try": ("bot.READ", SAME, None),
    "bot:unrecognised": ("bot.READ", SAME, None),
    "bot:add_example": (None, "bot.TRAIN", None),
    # marketing, feedback, analytics, integrations, marketplaces
    "marketing:home": ("marketing.READ", SAME, None),
    "marketing:retrain": (None, "marketing.OPERATE", None),
    "marketing:campaigns": ("marketing.CAMPAIGNS", "marketing.CAMPAIGNS", None),
    "marketing:campaign": ("marketing.CAMPAIGNS", SAME, None),
    "marketing:campaign-launch": (None, "marketing.CAMPAIGNS", None),
    "feedback:stream": ("feedback.READ", SAME, None),
    "feedback:acknowledge_alert": (None, "feedback.ALERTS", None),
    "feedback:reviews": ("feedback.MODERATE", SAME, None),
    "feedback:review_action": (None, "feedback.MODERATE", None),
    "feedback:photo": ("feedback.MODERATE", SAME, None),
    "analytics:home": ("analytics.KPIS", SAME, None),  # store staff: their own stores, narrowed inside
    "analytics:drill": ("analytics.KPIS", SAME, None),
    "analytics:export": ("analytics.KPIS", SAME, None),
    "integrations:webhooks": ("integrations.READ", SAME, None),
    "integrations:endpoint_action": (None, "integrations.MANAGE", None),
    "marketplaces:accounts": ("marketplaces.READ", SAME, None),
    "marketplaces:connect": ("marketplaces.MANAGE", SAME, None),
    "marketplaces:oauth_callback": ("marketplaces.MANAGE", SAME, None),
    "marketplaces:warehouses": ("marketplaces.READ", "marketplaces.MANAGE", None),
    "marketplaces:product_lookup": ("marketplaces.READ", SAME, None),
    "marketplaces:product": ("marketplaces.READ", SAME, None),
    "marketplaces:publish": (None, "marketplaces.MANAGE", None),
    "marketplaces:pause": (None, "marketplaces.MANAGE", None),
    "marketplaces:resume": (None, "marketplaces.MANAGE", None),
    "marketing:campaign-schedule": (None, "marketing.CAMPAIGNS", None),
    "marketing:campaign-templates": (None, "marketing.CAMPAIGNS", None),
    "marketing:flows": ("marketing.CAMPAIGNS", "marketing.CAMPAIGNS", None),
    "marketing:subscriptions": ("marketing.SUBSCRIBE", "marketing.SUBSCRIBE", None),
    "marketing:subscription-action": (None, "marketing.SUBSCRIPTIONS", None),
    "marketing:segments": ("marketing.SEGMENTS", "marketing.SEGMENTS", None),
    "marketing:segment-count": (None, "marketing.SEGMENTS", None),
    "marketing:segment-export": ("marketing.SEGMENTS", SAME, None),
    "marketing:segment-audience": ("marketing.SEGMENTS", SAME, None),
    "feedback:suggestions": ("feedback.READ", SAME, None),
    "feedback:suggestion_file": (None, "feedback.SUGGESTIONS", None),
    "feedback:suggestion_action": (None, "feedback.SUGGESTIONS", None),
    "feedback:surveys": ("feedback.READ", SAME, None),
    "feedback:survey_new": ("feedback.SURVEYS", "feedback.SURVEYS", None),
    "feedback:survey_edit": ("feedback.SURVEYS", "feedback.SURVEYS", None),
    "feedback:survey_results": ("feedback.READ", SAME, None),
    "feedback:survey_triggers": ("feedback.SURVEYS", "feedback.SURVEYS", None),
    "feedback:survey_trigger_edit": ("feedback.SURVEYS", "feedback.SURVEYS", None),
    "feedback:survey_trigger_active": (None, "feedback.SURVEYS", None),
    "feedback:due_sends": ("feedback.SURVEYS", SAME, None),
    "feedback:due_send_cancel": (None, "feedback.SURVEYS", None),
    "feedback:suggestion_panel_file": (None, "feedback.SUGGESTIONS", None),
    "feedback:alert_mail": (None, "feedback.ALERTS", None),
}


def holders(right) -> frozenset[str]:
    """The roles holding a right of the table in the console (admins hold every right; integration
    accounts none, whatever right their domain shares with its API: core.console.staff_required)."""
    if isinstance(right, str):
        domain, name = right.split(".")
        right = getattr(importlib.import_module(f"omnicanal.{domain}.roles"), name)
    return frozenset((*right, Role.ADMIN.value)) - {Role.INTEGRATION.value}


def console_pages() -> list[tuple[str, URLPattern]]:
    """(namespace:name, pattern) of every route under /console/, from the root URL resolver."""
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
            elif (prefix + str(entry.pattern)).startswith("console/"):
                found.append((f"{namespace}:{entry.name}", entry))

    walk(get_resolver().url_patterns, "", "")
    return found


# --- the objects of two stores ------------------------------------------------------------------------


def _objects(api) -> dict[str, dict]:
    """URL parameters naming an object at the clerk's store (SCL) and the same at another (VAP)."""
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
        count = api.post("/counts", {"location": code, "lines": [{"sku": "SOCK-1", "counted": 5}]})
        assert transfer.status_code == 201 and count.status_code == 201, (transfer.content, count.content)
        per_store[code] = {"order_id": order["id"], "fulfillment_id": order["fulfillments"][0]["id"],
                           "transfer_id": transfer.json()["id"], "count_id": count.json()["id"]}
    common = {"customer_id": customer, "ref": "SOCK-1", "sku": "SOCK-1", "channel": "web", "action": "pick",
              "kind": "orders", "name": "orders", "fmt": "csv"}
    return {code: {**common, **values} for code, values in per_store.items()}


def _url(name: str, pattern: URLPattern, params: dict) -> str:
    kwargs = {}
    for key, converter in pattern.pattern.converters.items():
        kwargs[key] = 1 if converter.regex == "[0-9]+" else params.get(key, "none")
    if name == "inventory:transfer-action":
        kwargs["action"] = "ship"
    return reverse(name, kwargs=kwargs)


def _sessions() -> dict[str, str]:
    """A signed-in session key per role (a store clerk at SCL only)."""
    from omnicanal.core.services import do_create_staff_user

    keys = {}
    for role in ROLES:
        client = Client()
        client.force_login(do_create_staff_user(username=f"{role}-user", password="secret-pass", role=role,
                                                locations=[OWN] if role == Role.STORE_STAFF else []))
        keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def _send(method: str, url: str, session: str | None):
    """One request on a fresh client (a logout cannot sign the next case out), in a savepoint rolled
    back after the answer (every case starts from the same objects)."""
    client = Client(raise_request_exception=False)  # a 500 is an answer like any other
    if session:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


def outcome(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return "login" if response["Location"].split("?")[0] == resolve_url(settings.LOGIN_URL) else "redirect"
    if status in (403, 404):
        return "refused"
    if status == 405:
        return "method"
    return "success" if 200 <= status < 300 else f"other {status}"


def test_no_role_opens_or_acts_on_a_console_page_outside_the_table(api, ci_report):
    pages = console_pages()
    missing = sorted(name for name, _ in pages if name not in PAGES and name not in PUBLIC)
    assert missing == [], f"console pages without a row in PAGES: {missing}"
    stale = sorted(set(PAGES) - {name for name, _ in pages})
    assert stale == [], f"rows of PAGES naming no console page: {stale}"

    objects = _objects(api)
    sessions = _sessions()
    tally, wrong, reached, crashed = Counter(), [], set(), []
    for name, pattern in pages:
        if name in PUBLIC:
            continue
        view, act, bound = PAGES[name]
        for method, right in (("get", view), ("post", view if act == SAME else act)):
            allowed = holders(right) if right is not None else frozenset()
            for code in (OWN, FOREIGN) if bound == LOCAL else (OWN,):
                url = _url(name, pattern, objects[code])
                for caller in (*ROLES, ANONYMOUS):
                    tally["cases"] += 1
                    may = caller in allowed and not (bound == LOCAL and caller == Role.STORE_STAFF and code != OWN)
                    if may and caller != Role.ADMIN:
                        continue  # a case that may succeed proves nothing; admin's shows the request reaches
                    response = _send(method, url, sessions.get(caller))
                    tally["sent"] += 1
                    got = outcome(response)
                    if may:
                        if got in ("success", "redirect"):
                            reached.add((name, method))
                        elif response.status_code >= 500:
                            crashed.append(f"{method.upper()} {url} as {caller} → {response.status_code}")
                        continue
                    # 405 (a method the page never takes, checked before the sign-in) gives nothing either.
                    fine = {"refused", "method", "login"} if caller == ANONYMOUS else {"refused", "method"}
                    if got not in fine:
                        wrong.append(f"{method.upper()} {url} as {caller} ({code}) → {response.status_code} {got}")
    report = [f"permissions matrix /console: {len(pages)} pages × GET/POST × {len(ROLES)} roles and anonymous × "
              f"own/another store's object = {tally['cases']} (page, method, role, object) cases, {tally['sent']} "
              f"sent (every case that must be refused, and admin's); admin reached {len(reached)} (page, method); "
              f"{len(wrong)} answers outside the table"]
    ci_report("\n".join(report + [f"  server error: {line}" for line in crashed]))
    assert wrong == [], "\n".join(wrong)
    assert crashed == [], "\n".join(crashed)  # an empty form or an unknown object is a 4xx, never a 500
    assert len(reached) >= len(PAGES) // 2  # the requests reach the pages, not only the decorators
