"""Who may do what with customers (admins always pass; core.auth.require_role / staff_required).
The API (api.py), the console (views.py and its navigation in apps.py) read these tuples only, so the
console offers an action exactly when the API allows it."""

from __future__ import annotations

from collections.abc import Iterable

ADMIN = "admin"

IDENTIFY = ("integration", "agent", "store_staff", "manager")
READ = ("agent", "store_staff", "manager", "marketer")  # marketers read; they never export in bulk
WRITE = ("agent", "store_staff", "manager", "integration")  # consents, preferences, profile
MERGE = ("agent", "manager")
PRIVACY = ("manager",)  # export and erasure
# A list read returning more people than this is a bulk read of personal data, and is audited.
BULK_READ = 1


def allows(role: str, roles: Iterable[str]) -> bool:
    """Whether `role` holds the right `roles` (admins hold every right), for the console's "may I"."""
    return role == ADMIN or role in tuple(roles)
