"""`omnicanal rotate-secrets`: re-encrypt every stored secret under the first encryption key.

Rotation (docs/operations.md): set OMNICANAL_ENCRYPTION_KEY="NEW,OLD", run this, then drop OLD.
`--new-key` prints a fresh key to put first.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from omnicanal.core import crypto
from omnicanal.core.services import do_reencrypt_secrets


class Command(BaseCommand):
    help = "Re-encrypt channel secrets, provider tokens and webhook signing secrets under the first encryption key (or print a new key)."

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="print a fresh encryption key and change nothing")

    def handle(self, *args, new_key, **options):
        if new_key:
            self.stdout.write(crypto.new_key())
            return
        with transaction.atomic():
            done = do_reencrypt_secrets()
        self.stdout.write(f"Re-encrypted the secrets of {done.rows} rows under the first encryption key.")
        if done.unreadable:
            raise CommandError(
                f"{done.unreadable} secrets could not be decrypted with any configured key and were left as they "
                "were: keep the key they were written with in OMNICANAL_ENCRYPTION_KEY (after the new one)."
            )
