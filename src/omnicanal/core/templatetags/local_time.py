"""`{% local_time value %}`: a moment as a person reads it (core/local_time.py has the rule).

    {% load local_time %}
    {% local_time order.placed_at %}                       06-12-2026 15:11
    {% local_time h.at "d-m-Y H:i" %}                      ISO text from a JSON history works too
    {% local_time t.created_at "d-m H:i" zone=t.origin.timezone %}   in that place's zone, named
                                                           when ambiguous: 06-12 13:11 UTC−5

It prints <time datetime="…UTC…" title="zone">…</time>; in an attribute or inside blocktranslate
use `|date`, which reads the same active zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from omnicanal.core import local_time as rule
from omnicanal.core.hours import zone as zone_of

register = template.Library()


@register.simple_tag(name="local_time")
def local_time(value, fmt: str = "SHORT_DATETIME_FORMAT", zone: str = "") -> str:
    at = rule.parse(value)
    if at is None:
        return ""
    shown = zone or timezone.get_current_timezone_name()
    try:
        local = at.astimezone(zone_of(shown))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        shown = timezone.get_current_timezone_name()
        local = timezone.localtime(at)
    text = formats.date_format(local, fmt)
    label = f" {rule.zone_label(local)}" if rule.zone_is_ambiguous(shown) else ""
    return format_html('<time datetime="{}" title="{}">{}{}</time>',
                       at.astimezone(dt.UTC).isoformat(timespec="seconds"), shown.replace("_", " "), text, label)
