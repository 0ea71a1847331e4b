"""Who may do what with marketplace accounts (admins always pass; core.auth.require_role / staff_required)."""

# Seeing the accounts, their token status, last sync and errors: whoever runs the integrations.
READ = ("integration", "manager")
# Connecting accounts, linking listings, publishing: admins and integration keys.
MANAGE = ("integration",)
