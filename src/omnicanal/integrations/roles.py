"""Who may do what with integrations (admins always pass; core.auth.require_role / staff_required).
The API, the console's views, its navigation and templates read these tuples."""

# Seeing webhook endpoints and their delivery log: the systems that receive them and whoever runs
# them (an integration key watches its own deliveries).
READ = ("integration",)
# Creating endpoints, redelivering, enabling and disabling: an endpoint receives the business's
# events, personal data with the pii scope, so only admins and integration keys set them up.
MANAGE = ("integration",)
