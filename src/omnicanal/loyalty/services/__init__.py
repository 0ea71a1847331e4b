"""The only writers of the loyalty domain, split by topic:

- ledger: accounts, transfers, holds (post/void/expire), lots and expiry, merge and close.
- program: the program's terms, rules, tiers, earning, reversals on returns, manual adjustments.
- stored_value: gift cards, store credit, wallet top-ups.
- payments: loyalty as an order payment (hold at checkout, capture, release, refund) and
  do_cancel_for_order — the service API the orders domain calls.
- coupons: coupons, batches, validation, use counted at order placement, given back on cancel.
- customer_data: merge, export and erasure (for the customers registry).
- goodwill: service recovery from the thread (store credit, a coupon for one customer), with limits.
"""
