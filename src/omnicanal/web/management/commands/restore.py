from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from omnicanal.core import backup
from omnicanal.web import invariants
from omnicanal.web.management.commands.invariants import report


class Command(BaseCommand):
    help = ("Replace the database with the backup in FILE (made by `omnicanal backup`), then check the "
            "invariants. Stop the server and the worker first; everything written since the backup is lost.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="yes, replace the database")

    def handle(self, *args, file: Path, yes: bool, **options):
        if not yes:
            raise CommandError("restore replaces the whole database with the backup: run it again with --yes")
        settings_dict = connection.settings_dict
        connections.close_all()
        try:
            if backup.vendor(settings_dict) == "sqlite":
                backup.restore_sqlite(file, Path(settings_dict["NAME"]))
            else:
                backup.restore_postgresql(settings_dict, file)
        except backup.BackupError as error:
            raise CommandError(f"nothing was restored: {error}") from error
        self.stdout.write(f"restored from {file}")
        problems = invariants.problems()
        report(self.stdout, problems)
        if any(problems.values()):
            raise CommandError("restored, but some invariants do not hold (above)")
