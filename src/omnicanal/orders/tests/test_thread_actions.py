"""The agent's order actions from the conversation thread (the orders panel beside it): find an order,
resend the tracking (through the notifier, on the customer's channel), start a return, and the
"link to this conversation" button that posts to conversations by URL name."""

import socket

import pytest
from django.apps import apps
from django.db import transaction

from omnicanal.core.auth import Principal
from omnicanal.core.errors import Forbidden, InvalidTransition
from omnicanal.core.models import AuditEntry, OutboxEvent
from omnicanal.core.services import do_create_staff_user
from omnicanal.orders import services
from omnicanal.orders.models import Return
from omnicanal.orders.tests.helpers import act, pay_by_webhook, place

pytestmark = pytest.mark.django_db

AGENT = Principal(kind="user", id="7", name="agent-ana", role="agent", locations=None)


def login(client, role="agent"):
    locations = ["WH"] if role == "store_staff" else []
    with transaction.atomic():
        user = do_create_staff_user(username=f"{role}-thread", password="secret-pass", role=role, locations=locations)
    client.force_login(user)
    return user


def shipped_order(api, client, customer_id, *, delivered=False):
    order = place(api, lines=[("SHOE-41", 1), ("SOCK-1", 2)], customer_id=customer_id).json()
    f = order["fulfillments"][0]
    assert pay_by_webhook(client, order["payments"][0]["id"]).status_code == 200
    for step in ("pick", "pack"):
        assert act(api, f["id"], step).status_code == 200
    assert act(api, f["id"], "ship", {"carrier": "Starken", "tracking": "ST123456"}).status_code == 200
    if delivered:
        assert act(api, f["id"], "deliver").status_code == 200
    return order, f


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


def test_resend_tracking_goes_out_again_by_email_through_the_notifier(api, client, customer_id,
                                                                      django_capture_on_commit_callbacks):
    from aiosmtpd.controller import Controller

    from omnicanal.core import clock

    # given a shipped order and an email inbox on a loopback SMTP server (the channels app is looked up
    # by label: orders sits below channels and never imports it)
    order, f = shipped_order(api, client, customer_id)
    sink = _Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    try:
        apps.get_model("channel_adapters", "Inbox").objects.create(
            channel="email", name="Email", created_at=clock.now(), updated_at=clock.now(),
            config={"from_address": "ayuda@andessport.cl", "from_name": "Andes Sport", "webhook_secret": "s",
                    "smtp_host": "127.0.0.1", "smtp_port": smtp.port})
        # when an agent resends the tracking
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                services.do_resend_tracking(fulfillment_id=f["id"], actor=AGENT)
    finally:
        smtp.stop()
    # then the event carries the shipped payload, the customer gets the tracking again and it is audited
    event = OutboxEvent.objects.filter(topic="orders.TrackingResent").get()
    assert event.payload["tracking"] == "ST123456" and event.payload["order_number"] == order["number"]
    assert event.payload["customer_id"] == customer_id and event.payload["carrier"] == "Starken"
    Message = apps.get_model("conversations", "Message")
    note = Message.objects.filter(kind="notification").get()
    assert "ST123456" in note.text and note.channel == "email" and note.status == "sent"
    assert sink.messages and sink.messages[0].rcpt_tos == ["ana@example.cl"]
    assert b"ST123456" in sink.messages[0].content
    assert AuditEntry.objects.filter(action="fulfillment.resend_tracking", target_id=f["id"]).exists()


def test_resend_tracking_needs_a_shipment_and_an_agent_or_manager(api, client, customer_id):
    order = place(api, lines=[("SHOE-41", 1)], customer_id=customer_id).json()
    pending = order["fulfillments"][0]["id"]
    with pytest.raises(InvalidTransition):
        services.do_resend_tracking(fulfillment_id=pending, actor=AGENT)
    _, f = shipped_order(api, client, customer_id)
    clerk = Principal(kind="user", id="8", name="clerk", role="store_staff", locations=frozenset({"WH"}))
    with pytest.raises(Forbidden):
        services.do_resend_tracking(fulfillment_id=f["id"], actor=clerk)
    assert not OutboxEvent.objects.filter(topic="orders.TrackingResent").exists()


def test_the_panel_finds_orders_by_number_or_sku_and_shows_tracking(api, client, customer_id):
    # given two orders of the customer, one shipped
    order, f = shipped_order(api, client, customer_id)
    other = place(api, lines=[("SHOE-40", 1)], method="pickup", location="SCL", customer_id=customer_id).json()
    login(client)
    url = f"/console/orders/panel/{customer_id}/"
    # when the agent searches by number, then by SKU
    by_number = client.get(url, {"q": order["number"], "conversation_id": "cnv_x"}).content.decode()
    by_sku = client.get(url, {"q": "shoe-40"}).content.decode()
    # then each finds only its order, with status and tracking, and the resend button
    assert order["number"] in by_number and other["number"] not in by_number
    assert "ST123456" in by_number and 'data-testid="resend-tracking"' in by_number
    assert "/console/conversations/cnv_x/link-order/" in by_number  # inside the workspace: link to this conversation
    assert other["number"] in by_sku and order["number"] not in by_sku
    assert "link-order" not in by_sku  # not beside a thread
    assert "No order matches" in client.get(url, {"q": "NOPE-1"}).content.decode() or \
        "Ningún pedido coincide" in client.get(url, {"q": "NOPE-1"}).content.decode()


def test_console_resend_tracking_button(api, client, customer_id):
    _, f = shipped_order(api, client, customer_id)
    login(client)
    page = client.post(f"/console/orders/panel/f/{f['id']}/resend-tracking/", {"conversation_id": "cnv_x"})
    assert page.status_code == 200 and 'data-testid="orders-panel-notice"' in page.content.decode()
    assert OutboxEvent.objects.filter(topic="orders.TrackingResent").count() == 1


def test_a_clerk_cannot_use_the_thread_actions(api, client, customer_id):
    _, f = shipped_order(api, client, customer_id)
    login(client, "store_staff")
    assert client.post(f"/console/orders/panel/f/{f['id']}/resend-tracking/").status_code == 403


def test_console_start_a_return_from_the_panel(api, client, customer_id):
    # given a delivered order
    order, _ = shipped_order(api, client, customer_id, delivered=True)
    login(client)
    url = f"/console/orders/panel/o/{order['id']}/return/"
    # when the agent asks for more socks than were bought, then for one sock by mail to store credit
    too_many = client.post(url, {"qty_SOCK-1": "3", "reason": "size", "location": "SCL"}).content.decode()
    page = client.post(url, {"qty_SOCK-1": "1", "reason": "size", "by_mail": "1", "refund_to": "store_credit"})
    # then the first is refused in the panel and the second is a requested return at the warehouse
    assert 'data-testid="orders-panel-error"' in too_many
    assert 'data-testid="orders-panel-notice"' in page.content.decode()
    ret = Return.objects.get()
    assert ret.status == "requested" and ret.location == "WH" and ret.refund_to == "store_credit"
    assert [(line.sku, line.quantity, line.reason) for line in ret.lines.all()] == [("SOCK-1", 1, "size")]
