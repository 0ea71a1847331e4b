"""Who may do what with the catalog (admins always pass; core.auth.require_role / staff_required).

The API, the console's views, its navigation and templates (`user|may:"catalog.EDIT"`) read these
tuples and nothing else, so the console offers an action exactly when the API allows it. An
integration key also needs the `catalog` scope (api.py's SCOPE).
"""

# Products, categories, channels and listings: everyone who sells or answers customers.
READ = ("manager", "marketer", "agent", "store_staff", "integration")
# Products, variants, images, categories, listings and the CSV import and export: merchandising
# (marketers) and the systems that feed the catalogue (PIM/ERP keys); clerks and agents only read.
EDIT = ("manager", "marketer", "integration")
# The consistency report (drift across channels) is for those who can fix it.
CONSISTENCY = EDIT
# A channel's publication and price policy binds every listing on it: managers only.
CHANNEL_POLICY = ("manager",)
