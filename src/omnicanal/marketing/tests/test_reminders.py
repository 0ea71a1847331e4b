"""The replenishment reminder: shortly before the next purchase is due, once, only with consent for
marketing on a channel, within the customer's contact hours."""

import datetime as dt

from django.db import transaction

from omnicanal.conversations.models import Message
from omnicanal.core import clock
from omnicanal.marketing import queries, services
from omnicanal.marketing.tests.conftest import START, buy, grant

DAY = dt.timedelta(days=1)


def run(at):
    with clock.frozen(at):
        return services.do_send_due_reminders()


def reminders(customer_id):
    return Message.objects.filter(conversation__customer_id=customer_id, meta__notification="marketing.replenishment")


def test_an_energy_gel_buyer_gets_the_reminder_around_day_27(ana):
    # given a gel buyer (30-day cycle) who accepts marketing by email
    grant(ana, "email")
    buy(ana, "GEL-1", at=START)
    # when the hourly task runs on day 26, nothing yet; on day 27 the reminder goes
    assert run(START + 26 * DAY) == 0
    assert run(START + 27 * DAY) == 1
    # then it went by email, in Spanish, naming the gel
    message = reminders(ana).get()
    assert message.channel == "email"
    assert "Gel Maratón" in message.text and message.meta["subject"].startswith("¿")
    assert [(r.category, r.due_on) for r in queries.reminders_of(ana)] == [("geles", (START + 30 * DAY).date())]
    # and the next runs do not send it again
    assert run(START + 27 * DAY + dt.timedelta(hours=1)) == 0
    assert run(START + 29 * DAY) == 0
    assert reminders(ana).count() == 1


def test_no_consent_no_reminder(ana, bea):
    # given two gel buyers, only Bea accepts marketing (Ana accepts only transactional messages)
    grant(bea, "email")
    grant(ana, "email", purpose="transactional")
    buy(ana, "GEL-1", at=START)
    buy(bea, "GEL-1", at=START)
    assert run(START + 27 * DAY) == 1
    assert reminders(ana).count() == 0
    assert reminders(bea).count() == 1


def test_a_withdrawn_consent_stops_the_reminder(ana):
    from omnicanal.customers import services as customers

    grant(ana, "email")
    buy(ana, "GEL-1", at=START)
    with transaction.atomic():
        customers.do_withdraw_consent(customer_id=ana, channel="email", purpose="marketing", source="test")
    assert run(START + 27 * DAY) == 0


def test_a_new_purchase_moves_the_reminder(ana):
    grant(ana, "email")
    buy(ana, "GEL-1", at=START)
    buy(ana, "GEL-2", at=START + 20 * DAY)  # bought again early: (20 + 2 × 30) / 3 ≈ 26.7 days later
    assert run(START + 27 * DAY) == 0
    assert run(START + 44 * DAY) == 1


def test_outside_contact_hours_the_reminder_waits(ana):
    from omnicanal.customers import services as customers

    grant(ana, "email")
    with transaction.atomic():
        customers.do_update_preferences(customer_id=ana, contact_from="09:00", contact_to="20:00")
    buy(ana, "GEL-1", at=START)
    night = (START + 28 * DAY).replace(hour=6)  # 03:00 in Santiago
    assert run(night) == 0
    assert run(night.replace(hour=14)) == 1  # 11:00 in Santiago


def test_the_sms_reminder_fits_one_segment(ana):
    from omnicanal.customers import queries as customers

    summary = customers.customer_summary(ana)
    subject, body = services.reminder_text(customer=summary, category="geles", product="Gel Maratón " * 10,
                                           due_on=dt.date(2026, 4, 1), channel="sms")
    assert len(body) <= services.SMS_LIMIT
    assert body.endswith("Responde STOP para no recibir más mensajes.")


def test_the_reminder_goes_on_the_channel_preferred_for_marketing(ana):
    from omnicanal.customers import services as customers

    grant(ana, "email")
    grant(ana, "sms")
    with transaction.atomic():
        customers.do_update_preferences(customer_id=ana, preferred_channels={"marketing": "sms"})
    buy(ana, "GEL-1", at=START)
    assert run(START + 27 * DAY) == 1
    message = reminders(ana).get()
    assert message.channel == "sms" and len(message.text) <= services.SMS_LIMIT
    assert message.text.endswith("Responde STOP para no recibir más mensajes.")


def test_a_due_reminder_found_by_two_runs_is_sent_once(ana):
    # given two task runs that both found the same due reminder before either sent it
    grant(ana, "email")
    buy(ana, "GEL-1", at=START)
    with clock.frozen(START + 27 * DAY):
        [due] = queries.due_reminders()
        assert queries.due_reminders() == [due]
        # when both send it, the unique key lets one through
        assert services.do_send_reminder(due=due) == "email"
        assert services.do_send_reminder(due=due) is None
    assert reminders(ana).count() == 1
