from django.core.management.base import BaseCommand
from django.db import transaction

from omnicanal.analytics import conversation_rollups, services


class Command(BaseCommand):
    help = ("Rebuild analytics' hourly and daily rollups from the order book and the conversation cells from the "
            "inbox (after installing analytics on a shop with history; the outbox handlers keep them up to date "
            "from then on). docs/analytics.md")

    def handle(self, *args, **options):
        with transaction.atomic():
            counted = services.do_rebuild_rollups()
            conversations = conversation_rollups.do_rebuild_conversation_rollups()
        self.stdout.write(f"counted {counted} orders")
        self.stdout.write(f"counted {conversations} conversations")
