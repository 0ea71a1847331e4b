"""Django's PostgreSQL backend with cheaper transaction edges (settings' ENGINE; see base.py)."""
