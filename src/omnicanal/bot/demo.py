"""Demo bot of Andes Sport: on for every messaging inbox of the demo (not email), with a greeting
and a few knowledge-base articles in Spanish and English."""

from __future__ import annotations

import random

from omnicanal.bot import queries, services
from omnicanal.channels import queries as channels
from omnicanal.core.auth import SYSTEM

GREETING_ES = ("¡Hola! Soy Andy, el asistente de Andes Sport. Te ayudo con tus pedidos, stock en tiendas, horarios, "
               "devoluciones y puntos. Escribe \"persona\" cuando quieras hablar con alguien del equipo.")
GREETING_EN = ("Hi! I'm Andy, Andes Sport's assistant. I can help with your orders, stock in our stores, opening hours, "
               "returns and points. Write \"person\" to talk to someone from the team.")

ARTICLES = [
    ("es", "¿Hacen envíos a regiones?", "despachan a regiones\nenvían a todo Chile\ncuánto demora el despacho",
     "Sí, despachamos a todo Chile. En Santiago llega en 1 a 2 días hábiles y en regiones en 2 a 5 días hábiles."),
    ("es", "¿Cuánto cuesta el despacho?", "valor del envío\nenvío gratis\ncosto de despacho",
     "El despacho es gratis en compras sobre $49.990; bajo ese monto cuesta $3.990 en Santiago y $5.990 en regiones."),
    ("es", "¿Qué medios de pago aceptan?", "puedo pagar con débito\naceptan tarjeta de crédito\npago en cuotas",
     "Aceptamos tarjetas de débito y crédito con Webpay (hasta 6 cuotas sin interés), transferencia y gift cards."),
    ("es", "¿Cuál es el plazo para cambios?", "puedo cambiar la talla\nplazo para devolver\ncambio de producto",
     "Tienes 30 días desde la entrega para cambios y devoluciones, con el producto sin uso y su boleta o número de pedido."),
    ("en", "Do you ship to other regions?", "do you deliver nationwide\nhow long does shipping take",
     "Yes, we ship all over Chile: 1 to 2 business days in Santiago, 2 to 5 elsewhere."),
    ("en", "How much is shipping?", "shipping cost\nfree shipping",
     "Shipping is free over $49,990; below that it costs $3,990 in Santiago and $5,990 elsewhere."),
    ("en", "Which payment methods do you accept?", "can I pay with a debit card\ninstalments",
     "We take debit and credit cards through Webpay (up to 6 interest-free instalments), bank transfers and gift cards."),
]


def load(*, seed: int, rng: random.Random, out) -> None:
    turned_on = 0
    for inbox in channels.inboxes():
        if inbox.channel in queries.MESSAGING:
            services.do_save_settings(inbox_id=inbox.inbox_id, enabled=True, greeting_es=GREETING_ES,
                                      greeting_en=GREETING_EN, actor=SYSTEM)
            turned_on += 1
    for language, question, phrasings, answer in ARTICLES:
        services.do_save_article(language=language, question=question, phrasings=phrasings, answer=answer, actor=SYSTEM)
    out.write(f"  the bot on {turned_on} messaging inboxes, {len(ARTICLES)} knowledge-base articles\n")
