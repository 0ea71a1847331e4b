from django import template

from omnicanal.core.money import Money

register = template.Library()


@register.filter
def money(value, currency: str = ""):
    """A wire money dict, a Money or a Decimal (with the currency as the argument), formatted."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        return Money.of(value["amount"], value["currency"]).format()
    if isinstance(value, Money):
        return value.format()
    return Money.of(value, currency or None).format()
