"""How other domains' events read on the timeline: topic -> (timeline type, payload fields kept),
and each type's sentence, translated when shown."""

from django.utils.translation import gettext_lazy as _

TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "loyalty.PointsEarned": ("loyalty.earned", ("amount", "unit")),
    "loyalty.PointsRedeemed": ("loyalty.redeemed", ("amount", "unit")),
    "loyalty.PointsExpired": ("loyalty.expired", ("amount", "unit")),
    "loyalty.TierChanged": ("loyalty.tier", ("new_tier",)),
    "loyalty.CouponUsed": ("loyalty.coupon", ("code",)),
    "orders.OrderPlaced": ("order.placed", ("number",)),
    "orders.OrderPaid": ("order.paid", ("number",)),
    "orders.OrderCancelled": ("order.cancelled", ("number",)),
    "orders.ReturnReceived": ("order.returned", ("number",)),
    "conversations.ConversationOpened": ("conversation.opened", ()),
    "engagement.SurveyAnswered": ("survey.answered", ()),
}

TEXTS = {
    "loyalty.earned": _("Earned %(amount)s %(unit)s"),
    "loyalty.redeemed": _("Redeemed %(amount)s %(unit)s"),
    "loyalty.expired": _("%(amount)s %(unit)s expired"),
    "loyalty.tier": _("New tier: %(new_tier)s"),
    "loyalty.coupon": _("Coupon %(code)s used"),
    "order.placed": _("Order %(number)s placed"),
    "order.paid": _("Order %(number)s paid"),
    "order.cancelled": _("Order %(number)s cancelled"),
    "order.returned": _("Return received for order %(number)s"),
    "conversation.opened": _("Conversation opened"),
    "survey.answered": _("Survey answered"),
}


def render(type_: str, data: dict, fallback: str) -> str:
    text = TEXTS.get(type_)
    if text is None:
        return fallback
    try:
        return str(text) % data if "%(" in str(text) else str(text)
    except (KeyError, TypeError, ValueError):
        return fallback
