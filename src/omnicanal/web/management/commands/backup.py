from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from omnicanal.core import backup


class Command(BaseCommand):
    help = ("Back the database up to FILE: the embedded SQLite with its online backup API (the server may "
            "keep running), PostgreSQL with pg_dump's custom format. The file holds personal data (0600).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        settings_dict = connection.settings_dict
        try:
            if backup.vendor(settings_dict) == "sqlite":
                size = backup.backup_sqlite(Path(settings_dict["NAME"]), file)
            else:
                size = backup.backup_postgresql(settings_dict, file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backed up to {file} ({size:,} bytes)")
