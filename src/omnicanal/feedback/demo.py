"""Demo voice of the customer for Andes Sport: reviews (in Spanish) of products that reached demo
customers, some held for moderation, and a post-pickup satisfaction survey sent to a few customers
within their budget, and a few social mentions and app-store reviews. Needs the orders demo (it reviews what those orders handed over)."""

from __future__ import annotations

import random

from omnicanal.core.auth import SYSTEM
from omnicanal.customers import queries as customers
from omnicanal.feedback.models import RewardKind, SurveyKind
from omnicanal.feedback.services import reviews, surveys, unsolicited
from omnicanal.orders import queries as orders

REVIEWS = [
    (5, "Excelente calidad, llegó justo a tiempo para mi salida al cerro."),
    (5, "Muy cómodas desde el primer día. Las volvería a comprar."),
    (4, "Buen producto, la talla es un poco pequeña: pidan una más."),
    (4, "Cumple lo prometido. El retiro en tienda fue rapidísimo."),
    (3, "Está bien por el precio, nada extraordinario."),
    (2, "El color no es igual al de la foto."),
    (1, "Se rompió a la semana, qué mierda de costura."),  # held: profanity
    (5, "Me encantó, cualquier consulta escríbanme a cliente.feliz@example.cl"),  # held: personal data
]
# Social mentions and app-store reviews from people we cannot identify (no ticket: nobody to answer in
# the inbox), for the feedback stream.
MENTIONS = [
    ("social", "SCL-CENTRO", None, "La atención en Santiago Centro estuvo la raja, gracias!"),
    ("social", "SCL-CENTRO", None, "Fui a retirar mi pedido y no estaba listo, perdí el viaje"),
    ("social", "VAP-PLAZA", None, "No había stock de la talla 42 en Valparaíso, qué lata"),
    ("app_store", "", 5, "Great app, checkout is fast and easy"),
    ("app_store", "", 2, "La app se cae al pagar con tarjeta"),
    ("social", "CCP-MALL", None, "Precios muy caros comparado con la web"),
]
REPLY = "¡Gracias por contarnos! Te escribimos para ayudarte con el cambio."


def load(*, seed: int, rng: random.Random, out) -> None:
    written = 0
    for customer_id in customers.customer_ids(limit=200):
        for line in orders.lines_received_by(customer_id)[:2]:
            if rng.random() < 0.5:
                continue
            rating, text = REVIEWS[written % len(REVIEWS)]
            review = reviews.do_submit_review(customer_id=customer_id, order_id=line.order_id, sku=line.sku,
                                              rating=rating, text=text, language="es")
            if rating <= 2 and review.status == "published":
                reviews.do_reply_review(review_id=review.public_id, text=REPLY, actor=SYSTEM)
            written += 1
    survey = surveys.do_create_survey(name="Satisfacción después del retiro", kind=SurveyKind.CSAT,
                                      reward_kind=RewardKind.COUPON, reward_value=10)
    sent = sum(surveys.do_send_survey(survey_id=survey.public_id, customer_id=customer_id, trigger="demo") is not None
               for customer_id in customers.customer_ids(limit=5))
    for n, (source, store, rating, text) in enumerate(MENTIONS):
        unsolicited.do_record_feedback(item=unsolicited.FeedbackIn(
            source=source, text=text, store=store, rating=rating, author=f"@cliente{n + 1}", ref=f"demo-{n + 1}"))
    out.write(f"  {written} reviews of received lines, {sent} survey sends, {len(MENTIONS)} mentions\n")
