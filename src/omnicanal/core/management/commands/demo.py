from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from omnicanal.core import clock
from omnicanal.core.demo import credentials, rng_for
from omnicanal.core.models import DemoStep


class Command(BaseCommand):
    help = "Load the Andes Sport demo business (each app once; re-running is harmless)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, seed, quiet, **options):
        for app_name in settings.OMNICANAL_APPS:
            config = next(c for c in apps.get_app_configs() if c.name == app_name)
            try:
                loader = import_string(f"{app_name}.demo.load")
            except ImportError:
                continue
            if DemoStep.objects.filter(app=config.label).exists():
                continue
            self.stdout.write(f"Loading demo data: {config.label}...")
            with transaction.atomic():
                loader(seed=seed, rng=rng_for(config.label, seed), out=self.stdout)
                DemoStep.objects.create(app=config.label, seed=seed, loaded_at=clock.now())
        if not quiet:
            self.stdout.write("\nDemo logins (user, password, role):")
            for line in credentials(seed):
                self.stdout.write(line)
