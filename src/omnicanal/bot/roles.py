"""Who may do what with the bot (admins always pass; core.auth.require_role)."""

# Try the parser (POST /bot/parse, the console's test box).
PARSE = ("manager", "agent", "integration")
# The console's bot pages (settings, knowledge base, test console, unrecognised messages): read.
READ = ("manager", "agent")
# Turning the bot on or off per inbox, its greeting, intents and hand-off rules.
SETTINGS = ("manager",)
# Writing knowledge-base articles (the FAQ answers): the people who answer customers.
KNOWLEDGE = ("manager", "agent")
# Labelling unrecognised messages as examples, which retrains the model.
TRAIN = ("manager",)
