"""The storefront's own tables: shopper sessions and one-time codes (the shop owns no customer data)."""
