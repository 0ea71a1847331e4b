"""The only writers of the marketplaces domain (Mercado Libre first): tokens, notifications, the
order import, questions and answers, listings and stock, and the queue of calls to the marketplace."""

from omnicanal.marketplaces.services.calls import do_enqueue, do_send_due
from omnicanal.marketplaces.services.listings import (
    do_create_listings,
    do_link_listing,
    do_publish,
    do_publish_skus,
    do_set_paused,
    price_drift,
)
from omnicanal.marketplaces.services.notifications import (
    TOPICS,
    account_for,
    check_notification,
    do_process,
    do_receive_notification,
)
from omnicanal.marketplaces.services.orders import do_import_order
from omnicanal.marketplaces.services.questions import do_import_question, do_queue_answer
from omnicanal.marketplaces.services.stock import do_mark_dirty, do_push_stock, do_set_warehouses
from omnicanal.marketplaces.services.tokens import (
    access_token,
    do_authorize,
    do_connect_account,
    do_refresh,
    get_account,
)

__all__ = [
    "TOPICS", "access_token", "account_for", "check_notification", "do_authorize", "do_connect_account",
    "do_create_listings", "do_set_paused", "do_set_warehouses",
    "do_enqueue", "do_import_order", "do_import_question", "do_link_listing", "do_mark_dirty", "do_process",
    "do_publish", "do_publish_skus", "do_push_stock", "do_queue_answer", "do_receive_notification", "do_refresh",
    "do_send_due", "get_account", "price_drift",
]
