"""Campaigns: one message per customer on their preferred consented channel, and every rule that
governs a send (consent, STOP mid-campaign, the weekly cap across campaigns and reminders, quiet
hours, purchase cycles, availability, hard bounces), each recorded, never silently dropped."""

import datetime as dt

import pytest
from django.db import transaction

from omnicanal.conversations.models import Message
from omnicanal.core import clock
from omnicanal.core.auth import SYSTEM
from omnicanal.core.errors import ValidationFailed
from omnicanal.marketing import campaigns, queries, services
from omnicanal.marketing.models import Bounce, Recipient
from omnicanal.marketing.tests.conftest import START, buy, grant
from omnicanal.orders.tests.conftest import make_customer

DAY = dt.timedelta(days=1)
EVENING = START.replace(hour=22)  # 19:00 in Santiago (UTC-3 in March): open


def segment(rules=None):
    with transaction.atomic():
        return services.do_create_segment(name="Todos", rules=rules or []).public_id


def compose(**kwargs):
    kwargs.setdefault("name", "Otoño")
    kwargs.setdefault("message", {"es": "Hola {{ name }}, tienes {{ points }} puntos. {{ link }}",
                                  "en": "Hi {{ name }}, you have {{ points }} points. {{ link }}"})
    kwargs.setdefault("segment_id", segment())
    with clock.frozen(kwargs.pop("at", EVENING)), transaction.atomic():
        return campaigns.do_create_campaign(actor=SYSTEM, **kwargs).public_id


def launch(campaign_id, at=EVENING):
    with clock.frozen(at):
        campaigns.do_launch_campaign(campaign_id=campaign_id, at=at)
        return queries.campaign_results(campaign_id)


def recipient(campaign_id, customer_id):
    return Recipient.objects.get(campaign__public_id=campaign_id, customer_id=customer_id)


def campaign_messages(customer_id):
    return Message.objects.filter(conversation__customer_id=customer_id, meta__notification=campaigns.TOPIC)


def prefer(customer_id, channel, **more):
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customers.do_update_preferences(customer_id=customer_id, preferred_channels={"marketing": channel}, **more)


def test_no_consent_no_send(ana, bea):
    # given Ana accepts marketing by email, Bea only transactional messages
    grant(ana, "email")
    grant(bea, "email", purpose="transactional")
    # when the campaign is launched
    results = launch(compose())
    # then only Ana got it (by email, personalised), and Bea's suppression is counted
    assert (results.targeted, results.sent, results.suppressed["no_consent"]) == (2, 1, 1)
    message = campaign_messages(ana).get()
    assert message.channel == "email" and message.text.startswith("Hola Ana, tienes 0 puntos.")
    assert campaign_messages(bea).count() == 0


def test_the_preferred_consented_channel_wins_and_sms_fits_one_segment(ana):
    grant(ana, "email")
    grant(ana, "sms")
    prefer(ana, "sms")
    campaign_id = compose(message={"es": "Hola {{ name }}, " + "oferta increíble " * 20})
    launch(campaign_id)
    message = campaign_messages(ana).get()
    assert message.channel == "sms" and len(message.text) <= 160
    assert message.text.endswith("Responde STOP para no recibir más mensajes.")


def test_an_sms_template_over_160_characters_is_refused(ana):
    with pytest.raises(ValidationFailed) as refused:
        compose(templates={"sms": {"es": {"text": "x" * 150}}})
    assert refused.value.errors[0].field == "templates.sms.es.text"


def test_a_stop_in_the_middle_of_a_campaign_stops_the_rest(shop):
    from omnicanal.channels import services as channels
    from omnicanal.channels.base import Parsed

    # given three customers who accept marketing by SMS
    people = [make_customer(phone=f"+5699876000{i}", name=f"Cliente {i}", email=f"c{i}@example.cl") for i in range(3)]
    for cid in people:
        grant(cid, "sms")
    with transaction.atomic():
        inbox = channels.do_create_inbox(channel="sms", name="SMS", config={"sandbox": True})
    campaign_id = compose()
    with clock.frozen(EVENING):
        # the launch, split to show its middle
        campaign = campaigns._start(campaign_id, SYSTEM, EVENING)
        campaigns.do_enroll(campaign=campaign)
        # when the first message has gone
        assert campaigns.do_send_campaign(campaign=campaign, at=EVENING, limit=1) == 1
        # and the second customer answers STOP on SMS before their turn
        with transaction.atomic():
            channels.do_store_webhook(inbox=inbox, parsed=Parsed(consent_changes=[("+56998760001", "opt_out", "STOP")]))
        # and the campaign goes on
        assert campaigns.do_send_campaign(campaign=campaign, at=EVENING) == 1
    # then the second got nothing (recorded), the third got theirs
    assert [campaign_messages(cid).count() for cid in people] == [1, 0, 1]
    assert (recipient(campaign_id, people[1]).status, recipient(campaign_id, people[1]).reason) == ("suppressed", "no_consent")
    assert queries.campaign_results(campaign_id).status == "done"


def test_a_stop_while_held_by_quiet_hours_cancels_the_held_message(ana):
    from omnicanal.customers import services as customers

    grant(ana, "sms")
    night = START.replace(hour=3)  # 00:00 in Santiago
    campaign_id = compose(at=night)
    assert launch(campaign_id, at=night).held == 1
    with transaction.atomic():
        customers.do_withdraw_consent(customer_id=ana, channel="sms", purpose="marketing", source="sms:STOP")
    with clock.frozen(START.replace(hour=13)):
        campaigns.do_run_due(at=START.replace(hour=13))
    assert campaign_messages(ana).count() == 0
    assert recipient(campaign_id, ana).reason == "no_consent"


def test_the_frequency_cap_holds_across_two_campaigns_and_a_reminder(ana, settings):
    # given a cap of one marketing message a week
    settings.OMNICANAL = {**settings.OMNICANAL, "MARKETING": {"FREQUENCY_CAP_PER_WEEK": 1}}
    grant(ana, "email")
    buy(ana, "GEL-1", at=START - 27 * DAY)  # her gel reminder is due today
    first, second = compose(name="Uno"), compose(name="Dos")
    # when two campaigns go the same evening
    assert launch(first).sent == 1
    results = launch(second)
    # then the second is suppressed by the cap, visibly
    assert (results.sent, results.suppressed["frequency_cap"]) == (0, 1)
    # and the replenishment reminder waits too (a later run sends it once the week has passed)
    with clock.frozen(EVENING + dt.timedelta(hours=1)):
        assert services.do_send_due_reminders() == 0
    with clock.frozen(EVENING + 7 * DAY + dt.timedelta(hours=1)):
        assert services.do_send_due_reminders() == 1
    # and a third campaign a week later goes again... but not before the reminder's week ends
    assert launch(compose(name="Tres", at=EVENING + 8 * DAY), at=EVENING + 8 * DAY).sent == 0
    assert launch(compose(name="Cuatro", at=EVENING + 15 * DAY), at=EVENING + 15 * DAY).sent == 1


def test_quiet_hours_move_a_send_to_when_the_window_opens(ana, bea):
    # given Ana in Santiago and Bea in Madrid, both accept marketing by email
    grant(ana, "email")
    grant(bea, "email")
    prefer(bea, "email", time_zone="Europe/Madrid")
    # when the campaign goes at 19:00 in Santiago (23:00 in Madrid)
    results = launch(compose())
    # then Ana gets it now; Bea's is held (not dropped) until 09:00 in Madrid
    assert (results.sent, results.held, results.suppressed["quiet_hours"]) == (1, 1, 1)
    held = recipient(results.id, bea)
    assert held.status == "held" and held.not_before == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)
    with clock.frozen(held.not_before - dt.timedelta(minutes=1)):
        assert campaigns.do_run_due() == 0
    with clock.frozen(held.not_before):
        assert campaigns.do_run_due() == 1
    assert campaign_messages(bea).count() == 1
    assert queries.campaign_results(results.id).status == "done"


def test_the_customers_own_contact_hours_hold_the_send_too(ana):
    from omnicanal.customers import services as customers

    grant(ana, "email")
    with transaction.atomic():
        customers.do_update_preferences(customer_id=ana, contact_from="10:00", contact_to="18:00")
    campaign_id = compose()
    assert launch(campaign_id).held == 1  # 19:00 in Santiago: after her hours
    assert recipient(campaign_id, ana).not_before == dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC)  # 10:00 next day


def test_a_bicycle_buyer_gets_no_bicycle_promotion_but_may_get_a_helmet(ana, bea):
    # given Ana bought a bicycle last week; Bea never did; both accept marketing by email
    grant(ana, "email")
    grant(bea, "email")
    buy(ana, "BIKE-M", at=EVENING - 7 * DAY)
    # when a bicycle campaign and a helmet campaign go
    bikes = compose(name="Bicis", promote_skus=["BIKE2-M"])
    helmets = compose(name="Cascos", promote_skus=["HELMET-1"])
    bike_results, helmet_results = launch(bikes), launch(helmets)
    # then Ana is suppressed from the bicycles (purchase cycle) but gets the helmet; Bea gets both
    assert recipient(bikes, ana).reason == "purchase_cycle" and recipient(bikes, bea).status == "sent"
    assert (bike_results.sent, bike_results.suppressed["purchase_cycle"]) == (1, 1)
    assert recipient(helmets, ana).status == "sent" and helmet_results.sent == 2


def test_what_is_unavailable_on_the_shop_channel_is_not_promoted(ana):
    from omnicanal.catalog import services as catalog
    from omnicanal.catalog.services import VariantSpec
    from omnicanal.core.money import Money

    grant(ana, "email")
    with transaction.atomic():
        category = catalog.do_create_category(slug="relojes", name_es="Relojes", name_en="Watches")
        catalog.do_create_product(name_es="Reloj GPS", name_en="GPS watch", handle="reloj-gps", category=category,
                                  price=Money.of(90000), variants=[VariantSpec(sku="WATCH-1")])
    results = launch(compose(promote_skus=["WATCH-1"]))  # nothing in stock anywhere
    assert (results.sent, results.suppressed["unavailable"]) == (0, 1)


def test_a_hard_bounce_stops_marketing_to_that_address(ana):
    from omnicanal.conversations import services as conversations

    grant(ana, "email")
    first = compose(name="Uno")
    launch(first)
    # when the provider refuses the address for good
    with transaction.atomic():
        conversations.do_record_delivery(message_id=recipient(first, ana).message_id, status="failed",
                                         error="SMTP refused the recipient: 550 no such user")
        campaigns.do_record_delivery(message_id=recipient(first, ana).message_id, status="failed")
    assert Bounce.objects.filter(customer_id=ana, channel="email", address="ana@example.cl").exists()
    # then the next campaign does not use it
    results = launch(compose(name="Dos"))
    assert (results.sent, results.suppressed["bounced"]) == (0, 1)


def test_a_signed_tracked_link_counts_the_click_and_redirects(ana, client):
    grant(ana, "email")
    campaign_id = compose(link="/c/geles/")
    launch(campaign_id)
    link = campaign_messages(ana).get().text.split()[-1]
    answer = client.get(link)
    assert answer.status_code == 302 and answer["Location"] == "/c/geles/"
    assert queries.campaign_results(campaign_id).clicked == 1
    assert client.get(link[:-3] + "xx/").status_code == 404


def test_a_unique_coupon_and_the_customers_points_personalise_the_message(ana):
    grant(ana, "email")
    campaign_id = compose(message={"es": "{{ name }}: usa {{ coupon }} y tus {{ points }} puntos"},
                          coupon={"kind": "percent", "value": 10, "days": 14},
                          templates={"email": {"es": {"subject": "Para ti, {{ name }}", "text": "{{ coupon }}",
                                                      "html": "<p>Hola {{ name }}: <b>{{ coupon }}</b></p>"}}})
    launch(campaign_id)
    message = campaign_messages(ana).get()
    code = recipient(campaign_id, ana).coupon_code
    assert code.startswith("MK-") and message.text == code
    assert message.meta["subject"] == "Para ti, Ana" and f"<b>{code}</b>" in message.meta["html"]


def test_two_launches_send_each_customer_once(ana, bea):
    grant(ana, "email")
    grant(bea, "email")
    campaign_id = compose()
    launch(campaign_id)
    again = launch(campaign_id)
    assert (again.targeted, again.sent) == (2, 2)
    assert campaign_messages(ana).count() == 1 and campaign_messages(bea).count() == 1
