"""Who may do what with marketing (admins always pass; core.auth.require_role / staff_required).
The API, the console's views, its navigation and the 360 panel read these tuples."""

# Reading a customer's recommendations and purchase cycles; the console's marketing pages.
READ = ("manager", "marketer")
# Retraining the recommender, sending reminders by hand.
OPERATE = ("manager", "marketer")
# The 360 page's panel (recommendations to suggest in a conversation, purchase cycles): whoever
# reads the 360 at the counter or in the inbox.
PANEL = ("manager", "marketer", "agent", "store_staff")
# The staff API's recommendations for a customer: the panel's readers (a clerk's app at the counter
# asks what the panel shows); a store_staff key only for its own stores.
RECOMMEND = PANEL
# Building, counting and saving segments (bulk reads of customers: not for agents or clerks).
SEGMENTS = ("manager", "marketer")
# Composing, scheduling, launching and reading campaigns (their results name no one).
CAMPAIGNS = ("manager", "marketer")
# Reading, skipping, pausing, resuming and cancelling customers' subscriptions.
SUBSCRIPTIONS = ("manager", "marketer")
# Subscribing a customer who is there (the POS tablet; their loyalty QR is the mandate).
SUBSCRIBE = ("manager", "marketer", "store_staff")
