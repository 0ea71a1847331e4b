"""Who may do what with the stock (admins always pass; core.auth.require_role / staff_required).

The API, the console's views, its navigation and templates (`user|may:"inventory.STOCK_WRITE"`)
read these tuples and nothing else, so the console offers an action exactly when the API allows it.
A store clerk acts only at their own locations (core.auth.require_location); an integration key
also needs the `stock` scope (api.py's SCOPE).
"""

# Locations, stock levels and availability: the people who sell or answer customers (a clerk sees
# the whole grid, to tell a customer which store has the size) and the systems that sell. Not
# marketers: campaigns need no stock per store (docs/security.md; the console never showed it to
# them, and since issue 14 item 6 neither does the API).
READ = ("manager", "agent", "store_staff", "integration")
# Receipts, adjustments, counts, transfers and the movement ledger: the people and systems that
# move goods (WMS/ERP keys); agents and marketers only read levels.
STOCK_WRITE = ("manager", "store_staff", "integration")
# Reservations (hold, commit, release): the order systems, never a person at a till.
RESERVE = ("manager", "integration")
# Creating locations and linking them to channels shapes sourcing for everyone: managers only.
LOCATIONS = ("manager",)
