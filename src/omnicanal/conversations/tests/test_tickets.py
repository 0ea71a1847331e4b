import datetime as dt

import pytest

from omnicanal.conversations import services
from omnicanal.conversations.models import SlaPolicy
from omnicanal.core import clock
from omnicanal.core.errors import InvalidTransition
from omnicanal.core.hours import add_business_minutes, is_open_or_always
from omnicanal.core.models import OutboxEvent

WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
MONDAY_1730 = dt.datetime(2026, 3, 2, 20, 30, tzinfo=dt.UTC)  # 17:30 in Santiago (UTC-3 in March)


def test_business_minutes_skip_nights_and_weekends():
    friday_1730 = dt.datetime(2026, 3, 6, 20, 30, tzinfo=dt.UTC)
    due = add_business_minutes(friday_1730, 60, WEEKDAYS, "America/Santiago")
    assert due == dt.datetime(2026, 3, 9, 12, 30, tzinfo=dt.UTC)  # Monday 09:30 local
    assert add_business_minutes(friday_1730, 60, {}, "America/Santiago") == friday_1730 + dt.timedelta(hours=1)
    assert is_open_or_always(WEEKDAYS, "America/Santiago", MONDAY_1730)
    assert not is_open_or_always(WEEKDAYS, "America/Santiago", friday_1730 + dt.timedelta(days=1))


def test_tickets_carry_sequential_human_numbers(receive, actor):
    first = services.do_open_ticket(conversation=receive("Hola", value="+56987654301").conversation, category="delivery", actor=actor)
    second = services.do_open_ticket(conversation=receive("Hola", value="+56987654302").conversation, category="returns",
                                      order_ref="A-10422", return_ref="R-2001", actor=actor)
    assert (first.display_number, second.display_number) == ("T-10001", "T-10002")
    assert second.order_ref == "A-10422" and first.public_id.startswith("tkt_")
    again = services.do_open_ticket(conversation=first.conversation, category="delivery", actor=actor)
    assert again.pk == first.pk  # one open ticket per conversation at a time


def test_ticket_status_moves_only_along_allowed_steps(receive, actor):
    ticket = services.do_open_ticket(conversation=receive("Hola").conversation, category="product", actor=actor)
    services.do_set_ticket_status(ticket=ticket, status="pending", actor=actor)
    services.do_set_ticket_status(ticket=ticket, status="solved", actor=actor)
    services.do_set_ticket_status(ticket=ticket, status="closed", actor=actor)
    with pytest.raises(InvalidTransition):
        services.do_set_ticket_status(ticket=ticket, status="open", actor=actor)


def test_sla_warnings_and_breaches_are_events_once_and_a_breach_escalates(receive, actor):
    policy = SlaPolicy.objects.create(name="Estándar", first_response_minutes=60, next_response_minutes=120,
                                      resolution_minutes=480, warn_at_percent=75, business_hours=True, is_default=True)
    services.do_save_team(slug="servicio", name="Servicio", business_hours=WEEKDAYS, is_default=True, sla_policy=policy)
    with clock.frozen(MONDAY_1730):
        conversation = receive("¿Dónde está mi pedido?").conversation
        ticket = services.do_open_ticket(conversation=conversation, category="delivery", actor=actor)
    # 30 minutes on Monday, 30 on Tuesday: due Tuesday 09:30 local
    assert ticket.first_response_due == dt.datetime(2026, 3, 3, 12, 30, tzinfo=dt.UTC)
    with clock.frozen(dt.datetime(2026, 3, 3, 12, 20, tzinfo=dt.UTC)):
        assert services.do_check_sla() == {"warnings": 1, "breaches": 0}
        assert services.do_check_sla() == {"warnings": 0, "breaches": 0}
    with clock.frozen(dt.datetime(2026, 3, 3, 12, 31, tzinfo=dt.UTC)):
        assert services.do_check_sla()["breaches"] == 1
        assert services.do_check_sla()["breaches"] == 0
    topics = list(OutboxEvent.objects.filter(topic__startswith="conversations.Sla").order_by("pk").values_list("topic", flat=True))
    assert topics == ["conversations.SlaWarning", "conversations.SlaBreached"]
    conversation.refresh_from_db()
    assert conversation.priority == "urgent"
    assert OutboxEvent.objects.filter(topic="conversations.TicketEscalated").count() == 1


def test_an_agent_answer_stops_the_first_response_timer_and_a_customer_message_starts_the_next(receive, actor):
    SlaPolicy.objects.create(name="24x7", first_response_minutes=30, next_response_minutes=60,
                             resolution_minutes=600, business_hours=False, is_default=True)
    conversation = receive("Hola").conversation
    ticket = services.do_open_ticket(conversation=conversation, category="delivery", actor=actor)
    assert ticket.first_response_due is not None and ticket.status == "new"
    services.do_reply(conversation=conversation, text="Hola, lo reviso.", actor=actor)
    ticket.refresh_from_db()
    assert ticket.first_response_due is None and ticket.first_responded_at and ticket.status == "open"
    receive("¿Y?")
    ticket.refresh_from_db()
    assert ticket.next_response_due is not None
