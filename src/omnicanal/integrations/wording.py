"""The integrations domain's words for its codes (core/labels.py)."""

from omnicanal.core import labels
from omnicanal.integrations.models import DeliveryStatus

labels.register("integrations.delivery_status", DeliveryStatus.choices)
