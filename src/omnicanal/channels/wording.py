"""The channels domain's words for its codes (core/labels.py)."""

from omnicanal.channels.models import ChannelKind
from omnicanal.core import labels

labels.register("channels.kind", ChannelKind.choices)
