"""The marketing domain's words for its codes (core/labels.py)."""

from django.utils.translation import pgettext_lazy

from omnicanal.core import labels
from omnicanal.marketing.models import CampaignStatus, RecipientStatus

labels.register("marketing.campaign_status", CampaignStatus.choices)
labels.register("marketing.recipient_status", RecipientStatus.choices)
# Why a campaign did not send to a customer (campaigns._decide and its callers).
labels.register("marketing.suppression", {
    "no_consent": pgettext_lazy("suppression", "No marketing consent"),
    "no_channel": pgettext_lazy("suppression", "No consented channel the campaign uses"),
    "bounced": pgettext_lazy("suppression", "Address bounced"),
    "purchase_cycle": pgettext_lazy("suppression", "Bought recently (purchase cycle)"),
    "unavailable": pgettext_lazy("suppression", "Product unavailable"),
    "quiet_hours": pgettext_lazy("suppression", "Quiet hours"),
    "frequency_cap": pgettext_lazy("suppression", "Weekly message limit"),
    "cancelled": pgettext_lazy("suppression", "Campaign cancelled"),
})
