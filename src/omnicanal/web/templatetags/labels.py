"""`{% load labels %}{{ order.status|label:"orders.order_status" }}`: a code in words.

The vocabulary is "<app>.<what>", registered by that domain's wording.py in core.labels; an
unknown vocabulary is an error (a typo must not pass as a raw code). See core/labels.py.
"""

from __future__ import annotations

from django import template

from omnicanal.core import labels

register = template.Library()


@register.filter
def label(code, vocabulary: str) -> str:
    return labels.label(vocabulary, code)


@register.filter
def actor(who) -> str:
    """`{{ h.actor|actor }}`: "user:ana" reads "ana", "system:system" reads "System"."""
    return labels.actor(who)
