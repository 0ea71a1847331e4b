"""Who may do what with channels (admins always pass; core.console.staff_required).

The console's views and its navigation read these tuples and nothing else. Channels have no staff
API of their own: providers reach them through signed webhooks, not roles.
"""

# Inboxes: connecting a channel, its settings and secrets, the team it routes to: managers only.
CONFIGURE = ("manager",)
# Click-to-call from a conversation: whoever answers it (conversations.roles.ANSWER).
CALL = ("agent", "manager", "store_staff")
