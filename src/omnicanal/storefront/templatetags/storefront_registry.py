"""What other domains add to the shop's pages (storefront.registry): {% product_panels handle %} on a
product page, {% account_links as links %} in the account's profile list."""

from django import template
from django.utils.safestring import mark_safe

from omnicanal.storefront import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def product_panels(context, handle: str) -> str:
    request = context.get("request")
    return mark_safe("".join(panel.render(request, handle) for panel in registry.product_panels()))  # noqa: S308


@register.simple_tag
def account_links() -> list[registry.AccountLink]:
    return registry.account_links()
