"""The only writers of the customers domain. Every channel and domain resolves customers through
`do_identify` / `do_identify_many`; services run inside the caller's transaction."""

from omnicanal.customers.services.addresses import (
    check_address,
    do_add_address,
    do_delete_address,
    do_set_default_address,
    do_update_address,
)
from omnicanal.customers.services.consent import (
    consent_keyword,
    do_grant_consent,
    do_set_consent,
    do_update_preferences,
    do_update_profile,
    do_withdraw_consent,
)
from omnicanal.customers.services.duplicates import (
    do_accept_suggestion,
    do_find_duplicates,
    do_reject_suggestion,
    do_suggest_merge,
)
from omnicanal.customers.services.identify import (
    AttachResult,
    IdentifiedCustomer,
    IdentifyRequest,
    IdentifyResult,
    check_identities,
    do_attach_identity,
    do_identify,
    do_identify_many,
)
from omnicanal.customers.services.merge import do_merge_customers
from omnicanal.customers.services.privacy import do_erase_customer, do_export_customer
from omnicanal.customers.services.stores import do_set_preferred_store
from omnicanal.customers.services.timeline import TimelineEntry, do_append_timeline, do_append_timelines

__all__ = [
    "do_set_preferred_store",
    "AttachResult",
    "IdentifiedCustomer",
    "IdentifyRequest",
    "IdentifyResult",
    "check_address",
    "check_identities",
    "consent_keyword",
    "do_accept_suggestion",
    "do_add_address",
    "do_append_timeline",
    "do_append_timelines",
    "TimelineEntry",
    "do_attach_identity",
    "do_delete_address",
    "do_erase_customer",
    "do_export_customer",
    "do_find_duplicates",
    "do_grant_consent",
    "do_identify",
    "do_identify_many",
    "do_merge_customers",
    "do_reject_suggestion",
    "do_set_consent",
    "do_set_default_address",
    "do_suggest_merge",
    "do_update_address",
    "do_update_preferences",
    "do_update_profile",
    "do_withdraw_consent",
]
