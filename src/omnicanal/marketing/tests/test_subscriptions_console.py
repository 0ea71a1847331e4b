"""The console's subscriptions page: a store clerk subscribes the customer at the till by scanning
their loyalty QR (at their own store only) and sees no list; a marketer lists, skips and pauses;
an agent may not open it."""

from django.test import Client
from django.urls import reverse

from omnicanal.loyalty import qr
from omnicanal.marketing.models import Subscription
from omnicanal.orders.tests.helpers import console_login

PAGE = "marketing:subscriptions"


def test_a_clerk_subscribes_the_customer_at_the_till_with_her_qr(client, ana):
    console_login(client, "store_staff", ["SCL"], "clerk-scl")
    token, _ = qr.make_token(ana)
    form = {"qr": token, "sku": "GEL-1", "quantity": "4", "interval_days": "30", "location": "SCL"}
    assert client.post(reverse(PAGE), form).status_code == 302
    sub = Subscription.objects.get()
    assert (sub.customer_id, sub.location, sub.channel, sub.lines) == (ana, "SCL", "pos", [{"sku": "GEL-1", "quantity": 4}])
    # another store's, or a forged QR, is refused with the reason on the page
    assert "otra tienda" in client.post(reverse(PAGE), {**form, "location": "VAP"}, follow=True).content.decode()
    assert client.post(reverse(PAGE), {**form, "qr": "forged"}, follow=True).status_code == 200
    assert Subscription.objects.count() == 1
    assert 'data-testid="subscriptions"' not in client.get(reverse(PAGE)).content.decode()


def test_a_marketer_lists_skips_and_pauses(client, ana):
    from omnicanal.marketing.tests.test_subscriptions import subscribe

    sub = subscribe(ana)
    first = Subscription.objects.get().next_date
    console_login(client, "marketer", (), "marketer-subs")
    page = client.get(reverse(PAGE)).content.decode()
    assert sub in page and "4 × GEL-1" in page and "Activa" in page
    client.post(reverse("marketing:subscription-action", args=[sub, "skip"]))
    assert Subscription.objects.get().next_date > first
    client.post(reverse("marketing:subscription-action", args=[sub, "pause"]))
    assert Subscription.objects.get().state == "paused"
    assert "Pausada por el equipo" in client.get(reverse(PAGE)).content.decode()
    agent = Client()
    console_login(agent, "agent", (), "agent-subs")
    assert agent.get(reverse(PAGE)).status_code in (302, 403)
