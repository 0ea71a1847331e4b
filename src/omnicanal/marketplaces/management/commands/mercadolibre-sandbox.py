"""`omnicanal mercadolibre-sandbox`: a loopback Mercado Libre for the demo (marketplaces/sandbox.py),
seeded with the recorded item, order, shipment and question, on 127.0.0.1. It prints the settings to
point the platform at it and the seller's tokens to connect (POST /api/v1/marketplace-accounts)."""

import json
import time

from django.core.management.base import BaseCommand

from omnicanal.marketplaces.sandbox import Sandbox


class Command(BaseCommand):
    help = "Run a loopback Mercado Libre API for the demo and print how to connect to it."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")

    def handle(self, *args, port, seconds, **options):
        sandbox = Sandbox()
        tokens = sandbox.seed_demo()
        url = sandbox.start(port=port)
        self.stdout.write(f"MERCADOLIBRE_API_URL={url}")
        self.stdout.write(f"MERCADOLIBRE_CLIENT_ID={sandbox.client_id}")
        self.stdout.write(f"MERCADOLIBRE_CLIENT_SECRET={sandbox.client_secret}")
        self.stdout.write("POST /api/v1/marketplace-accounts " + json.dumps({
            "seller_id": str(tokens["user_id"]), "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"], "expires_in": tokens["expires_in"]}))
        self.stdout.flush()
        try:
            deadline = time.monotonic() + seconds if seconds else None
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.05 if deadline else 1)
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.stop()
