"""Demo conversations of Andes Sport: teams, SLA policies, agents' routing profiles, canned replies,
and about 300 past conversations of demo customers (some across two or three channels), a few
still open with tickets whose SLA timers run, some at risk or breached. Deterministic from the rng;
rows are bulk-created so it loads in seconds."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model

from omnicanal.conversations import roles
from omnicanal.conversations.models import (
    AgentProfile,
    BotState,
    CannedReply,
    Conversation,
    Message,
    SlaPolicy,
    Team,
    Ticket,
    TicketSequence,
)
from omnicanal.conversations.services import do_save_team, sla_deadline, sla_state
from omnicanal.core import clock
from omnicanal.core.auth import role_allows
from omnicanal.core.demo import STAFF

CONVERSATIONS = 300
WEEKDAYS = {d: [["09:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [["10:00", "14:00"]]}
CHANNEL_OF_KIND = {"phone": ["whatsapp", "sms", "voice"], "whatsapp": ["whatsapp"], "email": ["email"],
                   "telegram": ["telegram"], "webchat": ["webchat"], "instagram": ["instagram"], "facebook": ["facebook"]}

TOPICS = [
    ("delivery", ["Hola, ¿en qué va mi pedido {order}?", "¿Me pueden contar el estado del pedido {order}?",
                  "¿Me pueden dar el número de seguimiento del pedido {order}?"],
     ["Hola {name}, tu pedido {order} va en camino con Starken y llega mañana.",
      "Revisé tu pedido {order}: salió ayer de la bodega de Pudahuel, te comparto el seguimiento ST{num}."]),
    ("returns", ["Quiero devolver unas zapatillas que me quedaron chicas", "¿Puedo cambiar la parka por otra talla en tienda?",
                 "La mochila llegó con el cierre malo, ¿cómo la devuelvo?"],
     ["Claro {name}, puedes devolverla en cualquier tienda con tu boleta, o te generamos una etiqueta de retiro.",
      "Te abrí la devolución; llévala a la tienda que te acomode y te hacemos el cambio al tiro."]),
    ("stock", ["¿Tienen la Zapatilla Trail Andes en talla 38?", "¿Les queda la parka Andes Pro en verde?",
               "¿Hay stock de la mochila 30L en Concepción?"],
     ["Sí {name}, nos quedan 3 en Santiago Centro y puedes retirarla hoy.",
      "En verde nos queda solo en talla M en Valparaíso; ¿te la reservo?"]),
    ("pickup", ["¿Hasta qué hora puedo retirar en el locker de Los Leones?", "Ya llegué a la tienda a retirar, ¿dónde voy?",
                "¿Puede retirar mi pedido mi hermana?"],
     ["El locker funciona de 06:00 a 23:00; el código te llega por WhatsApp.",
      "Sí, solo necesita el código de retiro y su carnet."]),
    ("payment", ["Me cobraron dos veces la compra", "¿Puedo pagar con mis puntos Club Andes en la web?",
                 "No me funcionó el cupón de bienvenida"],
     ["Revisé y el segundo cargo fue reversado; se verá en tu estado de cuenta en 48 horas.",
      "Sí {name}, en el pago eliges «usar puntos» y se descuentan al tiro."]),
]
NEEDS_ORDER = {"delivery"}  # whose questions name an order
# The answer about an order that is already complete (delivered or picked up) says so.
COMPLETED_ANSWERS = ["Hola {name}, revisé tu pedido {order} y figura entregado; ¿llegó todo bien?",
                     "Tu pedido {order} ya fue entregado, {name}; si falta algo, te ayudo por aquí."]
THANKS = ["¡Muchas gracias!", "Perfecto, gracias", "Buenísimo, quedo atento", "Gracias por la ayuda 🙌", "Ok, gracias"]
CANNED = [
    ("saludo", "Saludo", "es", "¡Hola {{ customer.first_name }}! Soy {{ agent.first_name }} de {{ business.name }}, ¿en qué te puedo ayudar?"),
    ("seguimiento", "Seguimiento de pedido", "es", "Revisé tu pedido y va en camino; te comparto el número de seguimiento apenas lo tenga."),
    ("devolucion", "Cómo devolver", "es", "Puedes devolver en cualquiera de nuestras tiendas con tu boleta, o te enviamos una etiqueta de retiro sin costo."),
    ("ticket", "Ticket abierto", "es", "Dejé tu caso registrado con el número {{ ticket.number }}; te escribimos apenas tengamos novedades."),
    ("cierre", "Cierre", "es", "¡Gracias por escribirnos, {{ customer.first_name }}! Cualquier cosa, aquí estamos."),
    ("greeting", "Greeting", "en", "Hi {{ customer.first_name }}! I'm {{ agent.first_name }} from {{ business.name }}, how can I help?"),
    ("closing", "Closing", "en", "Thanks for writing to us, {{ customer.first_name }}!"),
]


def _setup(rng: random.Random):
    standard = SlaPolicy.objects.create(name="Estándar", first_response_minutes=60, next_response_minutes=240,
                                        resolution_minutes=1440, warn_at_percent=75, business_hours=True, is_default=True)
    stores = SlaPolicy.objects.create(name="Tiendas", first_response_minutes=30, next_response_minutes=120,
                                      resolution_minutes=480, warn_at_percent=75, business_hours=True)
    do_save_team(slug="servicio", name="Servicio al cliente", languages=["es", "en"], skills=["delivery", "payment"],
                 business_hours=WEEKDAYS, is_default=True, sla_policy=standard)
    do_save_team(slug="devoluciones", name="Cambios y devoluciones", languages=["es"], skills=["returns"],
                 business_hours=WEEKDAYS, sla_policy=standard)
    for code, name in (("SCL-CENTRO", "Tienda Santiago Centro"), ("VAP-PLAZA", "Tienda Valparaíso"), ("CCP-MALL", "Tienda Concepción")):
        do_save_team(slug=code.lower(), name=name, languages=["es"], store_codes=[code],
                     business_hours={d: [["10:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
                     sla_policy=stores)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[s.username for s in STAFF])}
    for person in STAFF:
        user = users.get(person.username)
        if user is None or not role_allows(person, roles.ANSWER):  # only those who answer get a profile
            continue
        profile = AgentProfile.objects.create(user=user, available=person.role != "admin", languages=["es", "en"]
                                              if person.role != "store_staff" else ["es"], phone="+56229401234")
        slugs = {"agent": ["servicio", "devoluciones"], "manager": ["servicio"], "admin": []}.get(
            person.role, [code.lower() for code in person.locations])
        profile.teams.set(Team.objects.filter(slug__in=slugs))
    CannedReply.objects.bulk_create([CannedReply(shortcut=s, title=t, language=lang, body=b) for s, t, lang, b in CANNED])
    return users


def _customers():
    from omnicanal.customers import queries as customers

    ids = customers.customer_ids(limit=2000)  # oldest first
    summaries = customers.customer_summaries(ids)
    identities = customers.identities_by_id(ids)
    usable = []
    for rank, customer_id in enumerate(ids):
        channels = {}
        for identity in identities.get(customer_id, []):
            for channel in CHANNEL_OF_KIND.get(identity.kind, []):
                channels.setdefault(channel, identity.value)
        if channels:
            usable.append((rank, summaries[customer_id], channels))
    usable.sort(key=lambda item: (not item[1].name, item[0]))  # known people first, anonymous visitors last
    return [(customer, channels) for _rank, customer, channels in usable]


def _order_before(customer_id: str, started) -> tuple[str, str]:
    """The number and status of the customer's latest live order placed before the conversation began,
    through the single view's summary that orders provides (conversations never reads orders);
    ("", "") without one."""
    from omnicanal.customers import registry

    for order in registry.summary("recent_orders", customer_id, default=[]):
        if order["status"] != "cancelled" and datetime.fromisoformat(order["placed_at"]) < started:
            return str(order["number"]), str(order["status"])
    return "", ""


def load(*, seed: int, rng: random.Random, out) -> None:
    from django.apps import apps

    users = _setup(rng)
    if not apps.is_installed("omnicanal.customers"):
        out.write("  teams, SLA policies and canned replies (no customers: no conversations)\n")
        return
    people = _customers()
    if not people:
        return
    now = clock.now()
    agents = [u for u in users.values() if u.role in ("agent", "manager")]
    teams = {t.slug: t for t in Team.objects.all()}
    policy = SlaPolicy.objects.get(is_default=True)
    conversations: list[Conversation] = []
    plans = []
    for index in range(CONVERSATIONS):
        customer, addresses = people[index % len(people)] if index < len(people) else rng.choice(people)
        age = timedelta(days=rng.uniform(0, 90)) if index >= 30 else timedelta(minutes=rng.uniform(5, 600))
        started = now - age
        order, order_status = _order_before(customer.id, started)
        # Only a customer with an order asks where it is: every order number written is theirs.
        topic, questions, answers = rng.choice(TOPICS if order else [t for t in TOPICS if t[0] not in NEEDS_ORDER])
        if topic == "delivery" and order_status == "completed":
            answers = COMPLETED_ANSWERS
        written = [c for c in addresses if c != "voice"] or list(addresses)
        channels = rng.sample(written, k=min(len(written), rng.choice([1, 1, 1, 2, 2, 3])))
        status = "resolved" if index >= 30 else rng.choice(["open", "open", "open", "snoozed"])
        assignee = rng.choice(agents) if agents and (status == "resolved" or rng.random() < 0.6) else None
        team = teams["devoluciones"] if topic == "returns" else teams["servicio"]
        conversation = Conversation(
            customer_id=customer.id, status=status, priority=rng.choice(["normal"] * 6 + ["high", "low", "urgent"]),
            assignee=assignee, team=team, language="es", subject="", last_channel=channels[-1],
            created_at=started, updated_at=started, csat_score=rng.choice([None, 4, 5, 5, 3, 2]) if status == "resolved" else None,
        )
        conversations.append(conversation)
        plans.append((customer, addresses, topic, questions, answers, channels, started, order))
    # One open conversation per customer: later duplicates of a customer are resolved ones.
    seen_open = set()
    for conversation in conversations:
        if conversation.status != "resolved":
            if conversation.customer_id in seen_open:
                conversation.status = "resolved"
            seen_open.add(conversation.customer_id)
    messages: list[Message] = []
    tickets: list[Ticket] = []
    number = 10000
    for conversation, (customer, addresses, topic, questions, answers, channels, started, order) in zip(conversations, plans, strict=True):
        name = (customer.name or "").split(" ")[0]
        at, first_reply_at = started, None
        first_message = len(messages)
        for step, channel in enumerate(channels):
            text = rng.choice(questions).format(order=order, name=name) if step == 0 else rng.choice(
                ["Te escribo por acá mejor", "Sigo por este canal", "¿Me pueden responder por aquí?"])
            messages.append(_message(conversation, "in", channel, addresses[channel], "customer", text, at, customer.name))
            at += timedelta(minutes=rng.randint(2, 50))
            if conversation.status == "resolved" or step < len(channels) - 1:
                reply = rng.choice(answers).format(name=name, order=order, num=rng.randint(100000, 999999))
                messages.append(_message(conversation, "out", channel, addresses[channel], "agent", reply, at,
                                         conversation.assignee.first_name if conversation.assignee else "Valentina",
                                         user=conversation.assignee))
                first_reply_at = first_reply_at or at
                at += timedelta(minutes=rng.randint(2, 90))
        if conversation.status == "resolved":
            messages.append(_message(conversation, "in", channels[-1], addresses[channels[-1]], "customer", rng.choice(THANKS), at, customer.name))
            conversation.resolved_at = at + timedelta(minutes=rng.randint(1, 30))
            conversation.resolved_by = conversation.assignee.username if conversation.assignee else "agente"
            conversation.first_response_at = started + timedelta(minutes=5)
        else:
            # Waiting for a person, as the real flow leaves it: an agent's reply hands the
            # conversation over (reply.do_send), and one nobody answered yet is in the queue because
            # the bot handed it over (handover.do_hand_to_person). Resolving gives it back to the bot.
            conversation.bot = BotState.HANDED_OFF
            conversation.waiting_since = min(at - timedelta(minutes=1), now)
            conversation.first_response_at = first_reply_at if first_reply_at and first_reply_at < now else None
            if conversation.status == "snoozed":
                conversation.snoozed_until = now + timedelta(hours=rng.randint(2, 30))
        conversation.last_message_at = conversation.last_inbound_at = min(at, now)
        conversation.updated_at = min(at, now)
        conversation.message_count = len(messages) - first_message
        if topic in ("returns", "delivery", "payment") and (conversation.status != "resolved" or rng.random() < 0.2):
            number += 1
            open_ticket = conversation.status != "resolved"
            ticket = Ticket(
                number=number, conversation=conversation, customer_id=conversation.customer_id, category=topic,
                subject=questions[0][:80].format(order=order, name=name), order_ref=order,
                status="open" if open_ticket else "solved",
                policy=policy, team=conversation.team, created_at=started, updated_at=started,
                solved_at=None if open_ticket else conversation.resolved_at,
            )
            if open_ticket:
                # Due times by the policy and the team's business hours from when the customer
                # wrote, never "now + a few minutes": the SLA badge then says what the clock says.
                waiting = conversation.waiting_since
                if conversation.first_response_at is None:
                    ticket.first_response_due = sla_deadline(waiting, policy.first_response_minutes, policy, conversation.team)
                else:
                    ticket.first_responded_at = conversation.first_response_at
                    ticket.next_response_due = sla_deadline(waiting, policy.next_response_minutes, policy, conversation.team)
                ticket.resolution_due = sla_deadline(started, policy.resolution_minutes, policy, conversation.team)
                ticket.warned, ticket.breached = sla_state(ticket, now)
            tickets.append(ticket)
    # Conversations complete before they are inserted (messages and tickets take their ids at
    # their own bulk insert): one insert each, no bulk_update of ten columns afterwards.
    Conversation.objects.bulk_create(conversations, batch_size=500)
    Message.objects.bulk_create(messages, batch_size=1000)
    Ticket.objects.bulk_create(tickets, batch_size=500)
    TicketSequence.objects.update_or_create(name="ticket", defaults={"value": number})
    spanning = sum(1 for p in plans if len(p[5]) > 1)
    out.write(f"  {len(conversations)} conversations ({spanning} across several channels), {len(messages)} messages, "
              f"{len(tickets)} tickets\n")


def _message(conversation, direction, channel, address, author, text, at, name="", user=None) -> Message:
    return Message(
        conversation=conversation, direction=direction, channel=channel, address=address, author=author,
        author_name=(name or "")[:150], author_user=user, text=text, kind="text",
        status="received" if direction == "in" else "read", created_at=at, sent_at=at,
        delivered_at=at if direction == "out" else None,
    )
