import time

from django.core.management.base import BaseCommand

from omnicanal.core import stream


class Command(BaseCommand):
    help = "Relay every outbox event to NATS JetStream (the event stream; docs/integrations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="relay what is pending, then stop")
        parser.add_argument("--url", help="NATS server (default: settings STREAM NATS_URL)")
        parser.add_argument("--prefix", help="stream and subject prefix (default: settings STREAM PREFIX)")
        parser.add_argument("--batch", type=int, help="events per batch")

    def handle(self, *args, **options):
        # The command runs the relay even when the worker's is off (STREAM_ENABLED): starting it is the choice.
        while True:
            with stream.single_relay() as mine:
                if mine:
                    relay = stream.Relay(url=options["url"], prefix=options["prefix"], batch=options["batch"])
                    try:
                        if options["once"]:
                            sent = relay.relay_pending()
                            self.stdout.write(f"relayed {sent} events")
                            return
                        relay.run()
                    finally:
                        relay.close()
            self.stderr.write("another relay is running; waiting")
            time.sleep(5)
