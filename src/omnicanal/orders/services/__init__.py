"""The order book's only writers, by topic. Keyword arguments; they run inside the caller's transaction.

    do_place_order(channel=, customer_id=, lines= | cart_id=, delivery=, coupon=, payments=)  -> Order   placement
    do_payment_event(provider=, event_id=, payment_id=, status=)   the provider's webhook               payments
    do_collect_payment(order=, method=, amount=)           pay at pickup: the desk takes what is due    payments
    amount_due(order), check_paid(order), allowed_actions(order)   goods never leave unpaid; desk actions  dues
    do_refund(order=, amount=, to=, reference=)            never more than was paid                     refunds
    do_cancel_order(order=, reason=)                       stock released, payments refunded            cancellation
    do_transition(fulfillment_id=, action=, data=)         pick, pack, ship, ready, arrived, handover, deliver
    do_carrier_report(fulfillment_id=, status=, tracking=)  a carrier's shipped/delivered/not_delivered, forward only
    do_customer_arrived(order_id=, fulfillment_id=, parking_spot=)  the customer's curbside "I'm here"
    do_short_pick(fulfillment_id=, sku=, missing=)         a unit missing at picking          fulfilment
    do_request_return / do_mark_return_sent / do_receive_return                                 returns
    do_open_dispute / do_decide_dispute                                                         disputes
    do_create_cart, do_set_cart_line, do_attach_cart, do_checkout_hold, do_mark_abandoned       carts
    do_merge_customer_carts                                customers' merge hook (erasure: orders/privacy.py)
    do_start_card_inscription / do_finish_card_inscription / do_remove_card   stored cards (Oneclick)  cards
    do_charge_stored_card(order_id=, card_id=)  -> CardCharge   a saved card pays a committed order,     card_charges
        outside any transaction; do_settle_card_charges() the sweep that settles what it left pending

Callers import the package (`from omnicanal.orders import services`); the names below are its public
face. Helpers shared by several topics live in common.py. Points are not earned here: loyalty earns
them in its own handler of `orders.OrderPaid` (and takes them back on OrderCancelled, ReturnReceived).
"""

from omnicanal.core.auth import SYSTEM
from omnicanal.orders.privacy import do_erase_customer  # erasure lives in orders/privacy.py
from omnicanal.orders.services.cancellation import do_cancel_order
from omnicanal.orders.services.card_charges import CardCharge, do_charge_stored_card, do_settle_card_charges
from omnicanal.orders.services.cards import (
    MAX_CARDS,
    do_erase_cards,
    do_finish_card_inscription,
    do_remove_card,
    do_start_card_inscription,
)
from omnicanal.orders.services.carts import (
    ABANDONED_AFTER,
    CHECKOUT_HOLD,
    do_attach_cart,
    do_checkout_hold,
    do_create_cart,
    do_mark_abandoned,
    do_set_cart_line,
)
from omnicanal.orders.services.common import (
    ACTIONS,
    GRAPH,
    IN_PERSON_CHANNELS,
    MAX_LINES,
    MAX_QUANTITY,
    PROMISE_DAYS,
    LineIn,
    PaymentIn,
    check_channel,
)
from omnicanal.orders.services.customer_data import do_merge_customer_carts
from omnicanal.orders.services.disputes import (
    DECISIONS,
    DISPUTE_DECIDERS,
    DISPUTE_GRACE_DAYS,
    DISPUTE_KINDS,
    DISPUTE_OPENERS,
    do_decide_dispute,
    do_open_dispute,
)
from omnicanal.orders.services.dues import ACTIONS as DESK_ACTIONS
from omnicanal.orders.services.dues import allowed_actions, amount_due, check_paid
from omnicanal.orders.services.fulfilment import (
    CARRIER_REPORTS,
    RESEND_ROLES,
    do_carrier_report,
    do_customer_arrived,
    do_resend_tracking,
    do_short_pick,
    do_transition,
)
from omnicanal.orders.services.payments import DESK_METHODS, do_collect_payment, do_payment_event
from omnicanal.orders.services.placement import do_place_order
from omnicanal.orders.services.refunds import do_refund, paid_amount, refunded_amount
from omnicanal.orders.services.returns import (
    MAIL,
    do_mark_return_sent,
    do_receive_return,
    do_request_return,
    do_start_return,
    return_destination,
)

__all__ = [
    "ABANDONED_AFTER", "ACTIONS", "MAX_CARDS", "CardCharge", "do_charge_stored_card", "do_settle_card_charges",
    "do_erase_cards", "do_finish_card_inscription",
    "do_remove_card", "do_start_card_inscription", "CARRIER_REPORTS", "do_carrier_report", "DESK_ACTIONS", "DESK_METHODS", "allowed_actions", "amount_due", "check_paid",
    "do_collect_payment", "CHECKOUT_HOLD", "DECISIONS", "DISPUTE_DECIDERS", "DISPUTE_GRACE_DAYS",
    "DISPUTE_KINDS", "DISPUTE_OPENERS", "GRAPH", "IN_PERSON_CHANNELS", "MAIL", "MAX_LINES", "MAX_QUANTITY",
    "PROMISE_DAYS", "RESEND_ROLES", "SYSTEM", "LineIn", "PaymentIn", "check_channel",
    "do_attach_cart", "do_cancel_order", "do_checkout_hold", "do_create_cart", "do_customer_arrived", "do_decide_dispute",
    "do_erase_customer", "do_mark_abandoned", "do_mark_return_sent", "do_merge_customer_carts",
    "do_open_dispute", "do_payment_event", "do_place_order", "do_receive_return", "do_refund",
    "do_request_return", "do_start_return", "do_resend_tracking", "do_set_cart_line", "do_short_pick", "do_transition",
    "paid_amount", "refunded_amount", "return_destination",
]
