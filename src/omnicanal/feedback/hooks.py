"""Feedback fills the lower domains' registries (imported by FeedbackConfig.ready()): the shop's
rating and review panel and the Store API's review route (storefront.registry), the inbox's CSAT
gate (conversations.registry), and customers' merge, export and erasure (customers.registry): reviews, the budget ledger, survey sends and unsolicited feedback,
plus the scrub of other people's feedback that quotes the erased person (on_scrub)."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from omnicanal.channels import notifier
from omnicanal.conversations import registry as conversations_registry
from omnicanal.customers import registry as customers_registry
from omnicanal.feedback import queries, segment_rules, store_api
from omnicanal.feedback.models import ContactKind
from omnicanal.feedback.services import budget, delivery, reviews, surveys, triggers, unsolicited
from omnicanal.storefront import registry as storefront_registry


@storefront_registry.rating_source
def rating(handle: str) -> storefront_registry.Rating:
    found = queries.rating(handle)
    return storefront_registry.Rating(average=found.average, count=found.count, distribution=found.distribution)


def render_reviews(request, handle: str) -> str:
    found = queries.rating(handle)
    rows = [(stars, n, round(100 * n / found.count) if found.count else 0) for stars, n in found.distribution.items()]
    # No review counted, none to list: a product without reviews costs one query here, not two.
    return render_to_string("feedback/_product_reviews.html", {
        "rating": found, "distribution": rows,
        "reviews": queries.published_reviews(handle, limit=20) if found.count else [],
    }, request=request)


storefront_registry.register_product_panel(name="reviews", render=render_reviews, order=10)
storefront_registry.register_store_router(store_api.router)
storefront_registry.register_account_link(url_name="shop-reviews", label=_("Your reviews"), order=30)

# Outside WhatsApp's 24-hour window the invitation goes as the approved template the inbox names for
# these keys (config "templates": {"survey": {name, language}, "review_request": {…}}).
for _key, _parameters in delivery.TEMPLATE_PARAMETERS.items():
    notifier.register_template(_key, _parameters)

# Survey answers as marketing segment rules (segment_rules.py: answered, score, NPS detractor…).
segment_rules.register()


@conversations_registry.csat_gate
def claim_csat(*, customer_id: str, conversation_id: str) -> bool:
    """The inbox's satisfaction question spends the same budget as any survey."""
    if not customer_id:
        return True
    with transaction.atomic():
        return budget.do_claim_contact(customer_id=customer_id, kind=ContactKind.CSAT, ref=conversation_id).eligible


@customers_registry.on_merge
def move(*, survivor_id: str, merged_id: str) -> None:
    reviews.do_move_reviews(survivor_id=survivor_id, merged_id=merged_id)
    budget.do_move_ledger(survivor_id=survivor_id, merged_id=merged_id)
    surveys.do_move_sends(survivor_id=survivor_id, merged_id=merged_id)
    unsolicited.do_move_feedback(survivor_id=survivor_id, merged_id=merged_id)
    triggers.do_move_due(survivor_id=survivor_id, merged_id=merged_id)


@customers_registry.on_export("feedback")
def export(customer_id: str) -> dict:
    return {"reviews": [{"id": r.id, "order_id": r.order_id, "sku": r.sku, "rating": r.rating, "text": r.text,
                         "status": r.status, "at": r.created_at.isoformat()}
                        for r in queries.reviews_of_customer(customer_id)],
            "survey_sends": [{"id": s.id, "survey": s.survey_name, "status": s.status, "sent_at": s.sent_at.isoformat(),
                              "reward": s.reward_ref} for s in queries.sends_of_customer(customer_id)],
            "unsolicited_feedback": [{"id": f.id, "source": f.source, "text": f.text, "author": f.author, "url": f.url,
                                      "sentiment": f.sentiment, "topics": list(f.topics), "at": f.at.isoformat()}
                                     for f in queries.feedback_stream(queries.StreamFilter(customer_id=customer_id),
                                                                      limit=10_000)]}


@customers_registry.on_erase
def erase(*, customer_id: str) -> None:
    reviews.do_erase_reviews(customer_id=customer_id)
    budget.do_erase_ledger(customer_id=customer_id)
    surveys.do_erase_sends(customer_id=customer_id)
    unsolicited.do_erase_feedback(customer_id=customer_id)
    triggers.do_erase_due(customer_id=customer_id)


@customers_registry.on_scrub
def scrub(*, customer_ids: list[str], traces) -> None:
    unsolicited.do_scrub_feedback(traces=traces)


# --- the suggestions box --------------------------------------------------------------------------

storefront_registry.register_account_link(url_name="shop-suggestions", label=_("Suggestions"), order=35)


def render_suggestion_panel(request, customer_id: str) -> str:
    # The panel and its action live in suggestion_views ("File a suggestion" in the inbox's thread).
    from omnicanal.feedback import suggestion_views

    return suggestion_views.panel_html(request, customer_id)


customers_registry.register_panel(name="suggestions", label=_("Suggestions"), render=render_suggestion_panel,
                                  order=60)


@customers_registry.on_merge
def move_suggestions(*, survivor_id: str, merged_id: str) -> None:
    from omnicanal.feedback.services import suggestions

    suggestions.do_move_suggestions(survivor_id=survivor_id, merged_id=merged_id)


@customers_registry.on_export("feedback_suggestions")
def export_suggestions(customer_id: str) -> dict:
    return {"suggestions": [{"id": s.id, "title": s.title, "text": s.text, "status": s.status,
                             "at": s.created_at.isoformat()} for s in queries.suggestions_of_customer(customer_id)],
            "votes": queries.votes_of_customer(customer_id)}


@customers_registry.on_erase
def erase_suggestions(*, customer_id: str) -> None:
    from omnicanal.feedback.services import suggestions

    suggestions.do_erase_suggestions(customer_id=customer_id)
