"""Who may do what with conversations and tickets (admins always pass; core.auth.require_role /
staff_required).

The API, the console's views, its navigation, the inbox WebSocket and routing read these tuples and
nothing else, so the console offers an action exactly when the API allows it. An integration key
also needs the `conversations` scope (api.py's SCOPE) and never reads internal notes.
"""

# Conversations and tickets, read: the people who answer, and the systems that report on them.
READ = ("agent", "manager", "integration", "store_staff")
# Answering: replies, notes, assigning, resolving, snoozing, tickets; the console's inbox, its live
# socket and the tickets page. Routing assigns conversations only to people holding this right.
ANSWER = ("agent", "manager", "store_staff")
# Messages from a generic channel (POST /messages/inbound): the systems that relay them, and staff
# logging a message that reached them elsewhere.
INBOUND = ("integration", "agent", "manager")
# The team's canned replies, and linking an order or return to a thread's ticket from the orders
# panel beside it: the service desk (store clerks answer their store's chats, not the desk's tools).
SERVICE_DESK = ("agent", "manager")
