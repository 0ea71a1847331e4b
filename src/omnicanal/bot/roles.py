"""Who may do what with the bot (admins always pass; core.auth.require_role)."""

# Try the parser (POST /bot/parse, the console's test box).
PARSE = ("manager", "agent", "integration")
