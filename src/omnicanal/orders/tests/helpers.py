"""Small helpers the order tests share."""

from django.db import transaction

from omnicanal.orders import providers

ADDRESS = {"line1": "Av. Apoquindo 4500", "city": "Las Condes", "region": "RM", "country": "CL"}
VALPO = {"line1": "Av. Brasil 100", "city": "Valparaíso", "country": "CL"}


def place(api, *, lines, method="ship", location=None, address=None, channel="web", customer_id=None, **extra):
    delivery = {"method": method}
    if location:
        delivery["location"] = location
    if method == "ship":
        delivery["address"] = address or ADDRESS
    body = {"channel": channel, "lines": [{"sku": s, "quantity": q} for s, q in lines], "delivery": delivery, **extra}
    if customer_id:
        body["customer_id"] = customer_id
    return api.post("/orders", body, headers=extra.pop("headers", None) if "headers" in extra else None)


def act(api, fulfillment_id, action, body=None):
    return api.post(f"/fulfillments/{fulfillment_id}/{action}", body or {})


def pay_by_webhook(client, payment_id, status="captured", event_id=None):
    body = providers.webhook_body(event_id=event_id or f"evt-{payment_id}-{status}", payment_id=payment_id,
                                  status=status)
    return client.post("/webhooks/payments/testpay", body, content_type="application/json",
                       HTTP_X_TESTPAY_SIGNATURE=providers.sign(body))


def amount(money):
    return int(money["amount"])


def in_tx(func, *args, **kwargs):
    with transaction.atomic():
        return func(*args, **kwargs)


def console_login(client, role, locations=(), name=""):
    """A staff user of `role` signed in on Django's test client (console views)."""
    from omnicanal.core.services import do_create_staff_user

    with transaction.atomic():
        user = do_create_staff_user(username=name or f"{role}-console", password="secret-pass", role=role,
                                    locations=list(locations))
    client.force_login(user)
    return user
