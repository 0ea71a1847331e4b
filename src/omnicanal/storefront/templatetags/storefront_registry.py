"""{% product_panels handle %}: what other domains show on a product page (storefront.registry)."""

from django import template
from django.utils.safestring import mark_safe

from omnicanal.storefront import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def product_panels(context, handle: str) -> str:
    request = context.get("request")
    return mark_safe("".join(panel.render(request, handle) for panel in registry.product_panels()))  # noqa: S308
