"""Who may read analytics (admins always pass; core.auth.require_role). The API reads these tuples."""

# The KPIs: managers everywhere; store staff only for their own stores (api.py narrows the location).
KPIS = ("manager", "store_staff")
# A customer's journey across channels (personal data in bulk: managers).
JOURNEY = ("manager",)
# Who the location filter narrows to their own stores (their credential lists the locations).
STORE_SCOPED = ("store_staff",)
