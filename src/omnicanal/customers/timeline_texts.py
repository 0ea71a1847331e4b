"""How other domains' events read on the timeline: topic -> (timeline type, payload fields kept),
and each type's sentence, translated when shown."""

from django.utils.translation import gettext_lazy as _

from omnicanal.core import labels

TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "loyalty.PointsEarned": ("loyalty.earned", ("amount", "unit")),
    "loyalty.PointsRedeemed": ("loyalty.redeemed", ("amount", "unit")),
    "loyalty.PointsExpired": ("loyalty.expired", ("amount", "unit")),
    "loyalty.TierChanged": ("loyalty.tier", ("new_tier",)),
    "loyalty.CouponUsed": ("loyalty.coupon", ("code",)),
    "orders.OrderPlaced": ("order.placed", ("order_number",)),
    "orders.OrderPaid": ("order.paid", ("order_number",)),
    "orders.OrderCancelled": ("order.cancelled", ("order_number",)),
    "orders.ReturnReceived": ("order.returned", ("order_number",)),
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
    if "order_number" in data:  # the texts name it `number`, as rows written before orders' events did
        data = {"number": data["order_number"], **data}
    if "unit" in data:  # "points", "CLP": the unit in words (loyalty names its units in core.labels)
        data = {**data, "unit": labels.label("loyalty.unit", data["unit"]) if labels.known("loyalty.unit") else data["unit"]}
    try:
        return str(text) % data if "%(" in str(text) else str(text)
    except (KeyError, TypeError, ValueError):
        return fallback
