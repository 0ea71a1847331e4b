"""Who may do what with loyalty and stored value (admins always pass; core.auth.require_role /
staff_required).

The API, the services that issue value, the console's views, its navigation and templates
(`user|may:"loyalty.ADJUST"`) read these tuples and nothing else, so the console offers an action
exactly when the API allows it. How much each role may issue is a different question: the caps
per role are in limits.py, approvals in services/approvals.py.
"""

# A customer's points, balances, statement and the program's terms: everyone who serves customers.
READ = ("agent", "store_staff", "manager", "marketer", "integration")
# The customer's loyalty QR (shown to them at a till or in a chat) ...
QR = ("integration", "store_staff", "agent", "manager")
# ... and scanning it at the POS, which identifies the customer there: the tills.
QR_RESOLVE = ("store_staff", "manager", "integration")
# Activities worth points (a review, a referral): marketing and the systems that report them.
ACTIVITIES = ("integration", "marketer", "manager")
# Manual adjustments of any balance (audited, with a reason): managers.
ADJUST = ("manager",)
# Store credit through the API (a return, service recovery); capped per role in limits.py.
STORE_CREDIT = ("manager", "agent", "store_staff", "integration")
# Goodwill from a conversation or the 360 (store credit or a single-use coupon, services/goodwill.py).
GOODWILL = ("agent", "manager")
# Approving or rejecting value given above someone's caps (never their own).
APPROVE = ("manager",)
# Loading a wallet from a captured payment.
TOP_UP = ("integration", "store_staff", "manager")
# The program (terms, tiers, rules; console), coupons and coupon batches: marketing. Marketers are
# never capped here: coupon campaigns are their work, not value given by hand.
MARKETING = ("marketer", "manager")
# Reading one coupon (the code a customer brings).
COUPON_READ = ("marketer", "manager", "store_staff", "agent", "integration")
# Would this coupon apply? (nothing is used)
COUPON_VALIDATE = ("integration", "store_staff", "manager", "agent")
# Using value at a checkout: redeeming and releasing coupons, paying with a gift card.
CHECKOUT = ("integration", "store_staff", "manager")
# Issuing gift cards (against a captured payment) ...
GIFT_CARDS = ("store_staff", "manager", "integration")
# ... without a payment (within the per-action cap) ...
UNFUNDED_GIFT_CARD = ("manager",)
# ... and a card's balance (code and PIN), also for agents answering a customer.
GIFT_CARD_BALANCE = (*GIFT_CARDS, "agent")
