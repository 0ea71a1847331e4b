"""A saved card removed (the account page, the Store API's DELETE /cards/{id}) or erased does not
leave subscriptions paying with it: orders' StoredCardRemoved pauses each active one (`card_removed`,
its held units freed), the customer is told, the account page says why in es and en and resumes it
with another card or the balance; resuming through the API with the gone card is a 422."""

import datetime as dt

from django.db import transaction

from omnicanal.core import clock
from omnicanal.marketing import subscriptions as subs
from omnicanal.marketing.tests.conftest import START
from omnicanal.marketing.tests.test_subscription_api import STORE, shopper
from omnicanal.marketing.tests.test_subscription_card import (  # noqa: F401 (the sandbox fixture)
    sandbox,
    save_card_in_the_shop,
    subscribe_with_card,
)
from omnicanal.marketing.tests.test_subscription_page import PAGE, browser_for
from omnicanal.marketing.tests.test_subscriptions import FIRST, at_noon, get, held, notices, run, subscribe

DAY = dt.timedelta(days=1)


def test_removing_the_card_on_the_account_page_pauses_its_subscriptions_and_tells_the_customer(
        ana, django_capture_on_commit_callbacks):
    card = save_card_in_the_shop(ana)
    paid_by_card, by_balance = subscribe_with_card(ana, card), subscribe(ana, sku="GEL-1", quantity=1)
    assert run(paid_by_card, at_noon(FIRST - 3 * DAY)) == ["reserved"] and held(paid_by_card, FIRST)
    browser = browser_for(ana)
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(PAGE, {"action": "remove_card", "card_id": card}).status_code == 302
    row = get(paid_by_card)
    assert (row.state, row.pause_reason) == ("paused", "card_removed") and not held(paid_by_card, FIRST)
    assert get(by_balance).state == "active"  # the balance's subscription is not the card's
    assert "ya no está guardada" in notices(ana, "card_removed").get().text
    # the account says why, in the reader's language, and offers the balance to resume
    spanish = browser.get(PAGE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Se eliminó su tarjeta" in spanish and f'id="{paid_by_card}-resume-pay"' in spanish
    english = browser.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Its card was removed" in english and "is no longer saved: choose another card or your balance" in english
    # nothing left to charge: the next runs do nothing with it
    assert run(paid_by_card, at_noon(FIRST)) == []


def test_resuming_asks_for_another_card_or_the_balance(api, client, ana, django_capture_on_commit_callbacks):
    card = save_card_in_the_shop(ana)
    sub = subscribe_with_card(ana, card)
    me = shopper(api, client, ana)
    with django_capture_on_commit_callbacks(execute=True):
        assert me.delete(f"{STORE}/cards/{card}").status_code == 204
    assert (get(sub).state, get(sub).pause_reason) == ("paused", "card_removed")
    assert me.delete(f"{STORE}/cards/{card}").status_code == 404  # gone already
    # resuming with the card gone: 422 on card_id, still paused
    refused = me.post(f"{STORE}/subscriptions/{sub}/resume")
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["card_id"]
    assert get(sub).state == "paused"
    # the account page resumes it with the balance chosen beside "Resume"
    browser = browser_for(ana)
    with clock.frozen(START):
        done = browser.post(PAGE, {"subscription_id": sub, "action": "resume", "pay": "stored_value"})
    assert done.status_code == 302, done.content
    row = get(sub)
    assert (row.state, row.pause_reason, row.payment_source, row.card_id) == ("active", "", "stored_value", "")


def test_the_store_api_never_removes_another_customers_card(api, client, ana, bea,
                                                            django_capture_on_commit_callbacks):
    beas_card = save_card_in_the_shop(bea)
    beas = subscribe_with_card(bea, beas_card)
    me = shopper(api, client, ana)
    with django_capture_on_commit_callbacks(execute=True):
        assert me.delete(f"{STORE}/cards/{beas_card}").status_code == 404  # not hers: as if it did not exist
    assert get(beas).state == "active" and get(beas).card_id == beas_card
    her = shopper(api, client, bea)
    assert [c["id"] for c in her.get(f"{STORE}/cards").json()["items"]] == [beas_card]


def test_another_customers_card_and_a_paused_subscription_are_left_alone(ana, bea, django_capture_on_commit_callbacks):
    card, bea_card = save_card_in_the_shop(ana), save_card_in_the_shop(bea)
    anas, beas = subscribe_with_card(ana, card), subscribe_with_card(bea, bea_card)
    with transaction.atomic():
        subs.do_pause(subscription_id=anas, by="customer")
    with django_capture_on_commit_callbacks(execute=True):
        assert browser_for(ana).post(PAGE, {"action": "remove_card", "card_id": card}).status_code == 302
    assert (get(anas).state, get(anas).pause_reason) == ("paused", "customer")  # her own pause stays hers
    assert get(beas).state == "active" and notices(bea, "card_removed").count() == 0


def test_erasure_pauses_the_subscriptions_paid_with_the_erased_cards(ana, django_capture_on_commit_callbacks):
    from omnicanal.customers import services as customer_services

    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        customer_services.do_erase_customer(customer=ana)
    assert (get(sub).state, get(sub).pause_reason) == ("paused", "card_removed")
