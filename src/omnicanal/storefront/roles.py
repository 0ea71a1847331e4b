"""Who may do what with the storefront's staff side (admins always pass; core.auth.require_role).

Shoppers have no staff role: the Store API knows them by their session token (storefront/auth.py).
"""

# Sign a shopper session in as a customer (an app or partner front-end with its own sign-in):
# integration keys, which also need the customers-pii scope (the session sees the customer's data).
SIGN_IN_AS = ("integration",)
SIGN_IN_AS_SCOPE = "customers-pii"
