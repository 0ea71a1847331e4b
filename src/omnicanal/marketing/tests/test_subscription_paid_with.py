"""How a subscription pays, on the console's list and the customer 360 (read through
orders.queries: one read of the cards for the whole list): the saved card's brand and last four,
the stored value, or a card since removed; and the demo's shopper, with the sandbox's test card
saved, subscribed with it."""

import random

import pytest
from django.db import transaction
from django.urls import reverse

from omnicanal.marketing.models import Subscription
from omnicanal.marketing.tests.test_subscription_card import (  # noqa: F401 (the sandbox fixture)
    sandbox,
    save_card_in_the_shop,
    subscribe_with_card,
)
from omnicanal.marketing.tests.test_subscriptions import subscribe
from omnicanal.orders import queries as order_queries
from omnicanal.orders.tests.helpers import console_login


def row_of(page: str, sub: str) -> str:
    return page.split(f'data-subscription="{sub}"')[1].split("</tr>")[0]


def test_the_console_list_and_the_360_say_how_each_subscription_pays(client, ana, bea):
    card = save_card_in_the_shop(ana)
    by_card, by_balance = subscribe_with_card(ana, card), subscribe(bea)
    gone = subscribe_with_card(bea, save_card_in_the_shop(bea))
    with transaction.atomic():  # the card row goes without its event: the list still reads "no longer saved"
        from omnicanal.orders.models import StoredCard

        StoredCard.objects.filter(customer_id=bea).delete()
    console_login(client, "marketer", (), "marketer-pays")
    page = client.get(reverse("marketing:subscriptions")).content.decode()
    assert "Tarjeta Visa •••• 6623" in row_of(page, by_card)
    assert "Saldo" in row_of(page, by_balance)
    assert "Una tarjeta que ya no está guardada" in row_of(page, gone)
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})  # the console's language menu
    english = client.get(reverse("marketing:subscriptions")).content.decode()
    assert "Card Visa •••• 6623" in row_of(english, by_card) and "Stored value" in row_of(english, by_balance)
    panel = client.get(f"/console/customers/{ana}/").content.decode().split('data-testid="panel-subscriptions"')[1]
    assert "Pays with" in panel and "Card Visa •••• 6623" in row_of(panel, by_card)


def test_the_cards_of_a_list_are_read_at_once(ana, bea, django_assert_num_queries):
    from omnicanal.marketing.subscription_views import paid_with

    subs = [subscribe_with_card(ana, save_card_in_the_shop(ana)), subscribe_with_card(bea, save_card_in_the_shop(bea)),
            subscribe(ana)]
    rows = list(Subscription.objects.filter(public_id__in=subs).order_by("pk"))
    with django_assert_num_queries(1):
        words = paid_with(rows)
    assert [words[s] for s in subs] == ["Tarjeta Visa •••• 6623", "Tarjeta Visa •••• 6623", "Saldo"]


@pytest.mark.django_db
def test_the_demo_shopper_saves_the_test_card_and_pays_her_subscription_with_it():
    from omnicanal.customers import queries as customers
    from omnicanal.marketing import demo
    from omnicanal.marketing.tests.test_subscription_360 import load_demo_customers
    from omnicanal.orders import demo as orders_demo

    load_demo_customers()
    shopper = customers.customer_ids(limit=1)[0]
    with transaction.atomic():
        card = orders_demo._saved_card(shopper)
    assert card is not None and [c.id for c in order_queries.stored_cards(shopper)] == [card.public_id]
    with transaction.atomic():
        assert demo._subscriptions(random.Random(7)) == 2
    first, second = Subscription.objects.order_by("pk")
    assert (first.customer_id, first.payment_source, first.card_id) == (shopper, "card", card.public_id)
    assert (second.payment_source, second.card_id) == ("stored_value", "")
