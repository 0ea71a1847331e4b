"""Who may do what with the voice of the customer (admins always pass; core.auth.require_role /
staff_required). The API, the console's views, its navigation and templates read these tuples."""

# Reading reviews, the moderation queue and a customer's survey eligibility.
READ = ("manager", "marketer", "agent", "integration")
# Approving, rejecting and replying to reviews.
MODERATE = ("manager", "marketer", "agent")
# Creating surveys and sending them.
SURVEYS = ("manager", "marketer", "integration")
# Reading a product's published reviews: everyone who reads reviews, and the floor (a clerk shows them).
PUBLISHED = (*READ, "store_staff")
# Sending unsolicited feedback (a social mention, an app-store review, a CSV import) and scoring a text.
UNSOLICITED = ("manager", "marketer", "agent", "integration")
# Acknowledging a trend alert.
ALERTS = ("manager", "marketer")
# The survey at the POS's end (a tablet link for the sale's customer): the floor and the back office.
POS_SURVEY = ("manager", "store_staff", "integration")
# The suggestions board: status, reply, merge, and filing one for a customer (from a chat).
SUGGESTIONS = ("manager", "marketer", "agent")
