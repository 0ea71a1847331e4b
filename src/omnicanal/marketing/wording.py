"""The marketing domain's words for its codes (core/labels.py)."""

from django.utils.translation import pgettext_lazy

from omnicanal.core import labels
from omnicanal.marketing.models import (
    CampaignStatus,
    FlowEntryStatus,
    FlowKind,
    RecipientStatus,
    SubscriptionState,
)

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

# Field names as staff read them beside a validation error (core.labels.field).
labels.register("marketing.field", {
    "segment_id": pgettext_lazy("field", "Segment"),
    "message": pgettext_lazy("field", "Message"),
    "templates": pgettext_lazy("field", "Templates per channel"),
    "control_percent": pgettext_lazy("field", "Control group (%)"),
    "promote_skus": pgettext_lazy("field", "Promoted products"),
    "shop_channel": pgettext_lazy("field", "Shop channel"),
    "link": pgettext_lazy("field", "Link"),
    "recommendations": pgettext_lazy("field", "Recommended products"),
    "attribution_days": pgettext_lazy("field", "Attribution window (days)"),
    "tier_changes": pgettext_lazy("field", "Tier changes that start it"),
    "scheduled_at": pgettext_lazy("field", "Send at"),
    "at": pgettext_lazy("field", "When"),
    "days": pgettext_lazy("field", "Days valid"),
    "coupon.days": pgettext_lazy("field", "Coupon days valid"),
    "enabled": pgettext_lazy("field", "Enabled"),
    "delay_minutes": pgettext_lazy("field", "Delay (minutes)"),
    "channels": pgettext_lazy("field", "Channels"),
    "interval_days": pgettext_lazy("field", "Every (days)"),
    "next_date": pgettext_lazy("field", "Next order on"),
    "payment_source": pgettext_lazy("field", "Pay with"),
    "card_id": pgettext_lazy("field", "Saved card"),
})

# Flows (marketing.flows): their kinds, their entries' states and why one stopped or waits.
labels.register("marketing.flow_kind", FlowKind.choices)
labels.register("marketing.flow_entry_status", FlowEntryStatus.choices)
labels.register("marketing.flow_reason", {
    "ordered": pgettext_lazy("flow", "The customer bought"),
    "one_per_day": pgettext_lazy("flow", "One flow message a day"),
    "expired": pgettext_lazy("flow", "Too late to send"),
    "nothing_left": pgettext_lazy("flow", "Nothing left to remind"),
})

# Subscriptions (subscriptions.py): their states and why one is paused.
labels.register("marketing.subscription_state", SubscriptionState.choices)
labels.register("marketing.pause_reason", {
    "customer": pgettext_lazy("pause reason", "Paused by the customer"),
    "payment_failed": pgettext_lazy("pause reason", "Payment failed"),
    "staff": pgettext_lazy("pause reason", "Paused by staff"),
    "card_removed": pgettext_lazy("pause reason", "Its card was removed"),
})

# The segment builder's fields and operators (segments.py; registry.register_rule adds its own).
labels.register("marketing.segment_field", {
    "categories_bought": pgettext_lazy("segment", "Categories bought"),
    "channels_used": pgettext_lazy("segment", "Channels bought on"),
    "orders": pgettext_lazy("segment", "Orders"),
    "spend": pgettext_lazy("segment", "Total spent"),
    "days_since_last_purchase": pgettext_lazy("segment", "Days since the last purchase"),
    "language": pgettext_lazy("segment", "Language"),
    "city": pgettext_lazy("segment", "City"),
    "consent": pgettext_lazy("segment", "Marketing consent on"),
    "stores_visited": pgettext_lazy("segment", "Stores visited"),
    "tier": pgettext_lazy("segment", "Loyalty tier"),
    "points": pgettext_lazy("segment", "Loyalty points"),
    "days_since_cart_abandoned": pgettext_lazy("segment", "Days since the cart was abandoned"),
    "rfm_recency": pgettext_lazy("segment", "RFM recency (1–5)"),
    "rfm_frequency": pgettext_lazy("segment", "RFM frequency (1–5)"),
    "rfm_monetary": pgettext_lazy("segment", "RFM monetary (1–5)"),
})
labels.register("marketing.segment_op", {
    "any_of": pgettext_lazy("segment", "is any of"),
    "none_of": pgettext_lazy("segment", "is none of"),
    "gte": pgettext_lazy("segment", "at least"),
    "lte": pgettext_lazy("segment", "at most"),
})
labels.register("marketing.audience_platform", {
    "google": pgettext_lazy("audience", "Google Ads (Customer Match)"),
    "meta": pgettext_lazy("audience", "Meta (custom audience)"),
})

# The campaign form's template boxes (campaign_forms.TEMPLATE_BOXES) and languages.
labels.register("marketing.template_field", {
    "subject": pgettext_lazy("template", "Subject"),
    "text": pgettext_lazy("template", "Text"),
    "html": pgettext_lazy("template", "HTML"),
    "template": pgettext_lazy("template", "Approved template name"),
    "language": pgettext_lazy("template", "Template language code (e.g. es, en_US)"),
    "params": pgettext_lazy("template", "Parameters (placeholders, in order, comma-separated)"),
})
labels.register("marketing.language", {"es": pgettext_lazy("language", "Spanish"),
                                       "en": pgettext_lazy("language", "English")})
labels.register("marketing.coupon_kind", {
    "percent": pgettext_lazy("coupon", "Percent off"),
    "amount": pgettext_lazy("coupon", "Amount off"),
    "free_shipping": pgettext_lazy("coupon", "Free shipping"),
})
