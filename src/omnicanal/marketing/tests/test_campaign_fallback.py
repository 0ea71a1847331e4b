"""A campaign message refused on the customer's first channel (conversations' rules: no address, a
transactional STOP there, a closed window) goes on the next channel they accept marketing on, with
one coupon for the one message; a customer refused everywhere is suppressed no_channel."""

from django.db import transaction

from omnicanal.loyalty.models import Coupon
from omnicanal.marketing.tests.conftest import grant
from omnicanal.marketing.tests.test_campaigns import campaign_messages, compose, launch, recipient


def withdraw_transactional(customer_id, channel):
    from omnicanal.customers import services as customers

    with transaction.atomic():
        customers.do_set_consent(customer_id=customer_id, channel=channel, purpose="transactional", granted=False,
                                 source="test")


def test_refused_on_the_first_channel_it_goes_on_the_next(ana, bea):
    # given Ana and Bea accept marketing by email and SMS, but neither takes any message by email any more
    for who in (ana, bea):
        grant(who, "email")
        grant(who, "sms")
        withdraw_transactional(who, "email")
    withdraw_transactional(bea, "sms")  # nor Bea by SMS
    campaign_id = compose(message={"es": "Hola {{ name }}, usa {{ coupon }}"}, channels=["email", "sms"],
                          coupon={"kind": "percent", "value": 10, "days": 14})
    # when it is launched
    summary = launch(campaign_id)
    # then Ana got one message, by SMS, carrying the one coupon made for her
    assert summary.sent == 1
    row = recipient(campaign_id, ana)
    assert (row.status, row.channel) == ("sent", "sms")
    [message] = campaign_messages(ana)
    assert message.channel == "sms" and row.coupon_code in message.text
    assert list(Coupon.objects.values_list("code", flat=True)) == [row.coupon_code]
    # and Bea, refused on both, is suppressed no_channel without a message or a coupon
    row = recipient(campaign_id, bea)
    assert (row.status, row.reason, row.coupon_code) == ("suppressed", "no_channel", "")
    assert not campaign_messages(bea).exists()
