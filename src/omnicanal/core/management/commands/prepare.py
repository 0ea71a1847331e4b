"""`omnicanal prepare`: migrate and load the demo, each only when it is not done yet.

`make run` serves through `omnicanal serve --prepare`, which runs this first in the same process:
on a fresh clone it migrates and loads the demo; on every later start it costs a quick check (the
migration plan is empty, every app's demo step is recorded) and reloads nothing.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def pending_migrations(database: str = DEFAULT_DB_ALIAS) -> int:
    """How many migrations are not applied yet (0 when the database is up to date)."""
    executor = MigrationExecutor(connections[database])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(BaseCommand):
    help = ("Migrate and load the demo business, each only when not done yet: on a database that has both, "
            "a quick check (make run).")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-demo", action="store_true", help="migrate only")

    def handle(self, *args, seed, no_demo, **options):
        prepare(self.stdout, seed=seed, demo=not no_demo, verbosity=options["verbosity"])


def prepare(out, *, seed: int = 2026, demo: bool = True, verbosity: int = 1) -> None:
    pending = pending_migrations()
    if pending:
        started = time.monotonic()
        out.write(f"Migrating the database ({pending} migrations)...")
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0), stdout=out)
        out.write(f"Migrated in {time.monotonic() - started:.1f} s")
    else:
        out.write("Database up to date: no migration to apply.")
    if demo:
        call_command("demo", seed=seed, stdout=out)
