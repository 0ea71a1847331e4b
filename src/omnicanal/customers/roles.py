"""Who may do what with customers (admins always pass; core.auth.require_role / staff_required)."""

IDENTIFY = ("integration", "agent", "store_staff", "manager")
READ = ("agent", "store_staff", "manager", "marketer")  # marketers read; they never export in bulk
WRITE = ("agent", "store_staff", "manager", "integration")  # consents, preferences, profile
MERGE = ("agent", "manager")
PRIVACY = ("manager",)  # export and erasure
# A list read returning more people than this is a bulk read of personal data, and is audited.
BULK_READ = 1
