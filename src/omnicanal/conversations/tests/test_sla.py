"""SLA timers tell the truth: a breach comes exactly at the deadline counted in business hours, and a
pending ticket (waiting on the customer) pauses its timers until the customer answers."""

import datetime as dt

import pytest

from omnicanal.conversations import services
from omnicanal.conversations.models import SlaPolicy, Ticket
from omnicanal.core import clock
from omnicanal.core.hours import business_minutes_between

SANTIAGO = "America/Santiago"  # UTC-3 in March 2026
WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
SECOND = dt.timedelta(seconds=1)


def utc(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def team(db):
    policy = SlaPolicy.objects.create(name="Estándar", first_response_minutes=60, next_response_minutes=120,
                                      resolution_minutes=600, warn_at_percent=75, business_hours=True, is_default=True)
    return services.do_save_team(slug="servicio", name="Servicio", business_hours=WEEKDAYS, is_default=True,
                                 sla_policy=policy)


def breached(ticket):
    ticket.refresh_from_db()
    return ticket.breached


def test_the_first_response_is_breached_exactly_when_its_business_hours_deadline_passes(receive, actor, team):
    # given a customer who writes on Monday at 17:30 (half an hour before closing)
    with clock.frozen(utc(2, 20, 30)):
        conversation = receive("¿Dónde está mi pedido?").conversation
        ticket = services.do_open_ticket(conversation=conversation, category="delivery", actor=actor)
    # then the hour runs 30 minutes on Monday and 30 on Tuesday: due Tuesday 09:30 local
    assert ticket.first_response_due == utc(3, 12, 30)
    # the night is not counted: long past 60 wall-clock minutes, nothing is breached
    with clock.frozen(utc(3, 3, 0)):
        services.do_check_sla()
    assert breached(ticket) == []
    with clock.frozen(utc(3, 12, 30) - SECOND):
        services.do_check_sla()
    assert breached(ticket) == []
    # exactly at the deadline it is
    with clock.frozen(utc(3, 12, 30)):
        services.do_check_sla()
    assert breached(ticket) == ["first_response"]


def test_a_pending_ticket_pauses_its_timers_and_the_customer_answer_resumes_them(receive, actor, team):
    # given a ticket opened Monday 10:00 local, answered at 10:10: solve by Tuesday 11:00 (600 business minutes)
    with clock.frozen(utc(2, 13, 0)):
        conversation = receive("La mochila llegó rota").conversation
        ticket = services.do_open_ticket(conversation=conversation, category="returns", actor=actor)
    assert ticket.resolution_due == utc(3, 14, 0)
    with clock.frozen(utc(2, 13, 10)):
        services.do_reply(conversation=conversation, text="¿Nos mandas una foto?", actor=actor)
    # when the agent sets it pending at 11:00 local, 540 business minutes before the deadline
    with clock.frozen(utc(2, 14, 0)):
        services.do_set_ticket_status(ticket=ticket.public_id, status="pending", actor=actor)
    ticket.refresh_from_db()
    assert ticket.status == "pending" and ticket.resolution_due is None
    assert ticket.paused_at == utc(2, 14, 0) and ticket.paused_minutes == {"resolution": 540}
    # then nothing breaches while the customer takes two days to answer
    with clock.frozen(utc(4, 11, 0)):
        assert services.do_check_sla()["breaches"] == 0
    assert breached(ticket) == []
    # when the customer answers on Wednesday at 09:00 local
    with clock.frozen(utc(4, 12, 0)):
        receive("Aquí va la foto")
    ticket.refresh_from_db()
    # then the ticket is open again with the 540 minutes it had left, and a reply is due in 120
    assert ticket.status == "open" and ticket.paused_at is None and ticket.paused_minutes == {}
    assert ticket.resolution_due == utc(4, 21, 0)  # Wednesday 18:00 local
    assert ticket.next_response_due == utc(4, 14, 0)
    with clock.frozen(utc(4, 21, 0) - SECOND):
        services.do_check_sla()
    assert breached(ticket) == ["next_response"]
    with clock.frozen(utc(4, 21, 0)):
        services.do_check_sla()
    assert breached(ticket) == ["next_response", "resolution"]


def test_reopening_a_pending_ticket_by_hand_resumes_its_timers(receive, actor, team):
    with clock.frozen(utc(2, 13, 0)):
        ticket = services.do_open_ticket(conversation=receive("Hola").conversation, category="delivery", actor=actor)
    with clock.frozen(utc(2, 13, 30)):
        services.do_set_ticket_status(ticket=ticket.public_id, status="pending", actor=actor)
    ticket.refresh_from_db()
    assert ticket.paused_minutes == {"first_response": 30, "resolution": 570}
    with clock.frozen(utc(3, 12, 0)):  # Tuesday 09:00 local
        services.do_set_ticket_status(ticket=ticket.public_id, status="open", actor=actor)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.first_response_due == utc(3, 12, 30)
    assert ticket.resolution_due == utc(4, 12, 30)  # 540 minutes on Tuesday, 30 on Wednesday


def test_business_minutes_between_counts_only_open_time():
    friday_1730 = utc(6, 20, 30)
    assert business_minutes_between(friday_1730, utc(9, 12, 30), WEEKDAYS, SANTIAGO) == 60
    assert business_minutes_between(utc(9, 12, 30), friday_1730, WEEKDAYS, SANTIAGO) == 0
    assert business_minutes_between(friday_1730, utc(6, 21, 0), {}, SANTIAGO) == 30


def test_the_tickets_page_names_the_overdue_timer_and_a_paused_one(client, make_agent, receive, actor, team):
    with clock.frozen(utc(2, 13, 0)):
        late = services.do_open_ticket(conversation=receive("Hola", value="+56987654301").conversation,
                                       category="delivery", actor=actor)
        waiting = services.do_open_ticket(conversation=receive("Hola", value="+56987654302").conversation,
                                          category="returns", actor=actor)
        services.do_set_ticket_status(ticket=waiting.public_id, status="pending", actor=actor)
    with clock.frozen(utc(2, 14, 0)):  # Monday 11:00 local: the first hour has passed
        services.do_check_sla()
        client.force_login(make_agent("valentina"))
        page = client.get("/console/conversations/tickets/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert late.display_number in page and waiting.display_number in page
    assert "primera respuesta vencida" in page and "en pausa (pendiente)" in page
    assert "America/Santiago" in page
