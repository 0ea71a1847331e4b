from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (huey consumer: outbox relay, timers, periodic jobs)."

    def handle(self, *args, **options):
        call_command("run_huey")
