import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.module_loading import import_string

from omnicanal.core import clock, demo_outbox
from omnicanal.core.demo import credentials, logins_file, rng_for
from omnicanal.core.models import DemoStep


class Command(BaseCommand):
    help = ("Load the Andes Sport demo business (each app once; re-running is harmless) and print its logins, "
            "generated at the first load.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--quiet", action="store_true", help="load without printing the logins")
        parser.add_argument("--logins", action="store_true", help="only print the demo logins again")
        parser.add_argument("--rotate-secrets", action="store_true",
                            help="new demo passwords, admin API key and channel secrets (the old ones stop working)")

    def _app_configs(self):
        for app_name in settings.OMNICANAL_APPS:
            yield next(c for c in apps.get_app_configs() if c.name == app_name)

    def handle(self, *args, seed, quiet, logins, rotate_secrets, **options):
        if rotate_secrets:
            self._rotate()
        elif not logins:
            self._load(seed)
        if not quiet or logins or rotate_secrets:
            self._print_logins()

    def _load(self, seed: int) -> None:
        started, cpu, loaded = time.monotonic(), time.process_time(), 0
        # One query tells which apps are loaded, before any demo module is imported: a second
        # start (make run) costs that query only.
        done = set(DemoStep.objects.values_list("app", flat=True))
        for config in self._app_configs():
            if config.label in done:
                continue
            try:
                loader = import_string(f"{config.name}.demo.load")
            except ImportError:
                continue
            self.stdout.write(f"Loading demo data: {config.label}...")
            app_started, app_cpu = time.monotonic(), time.process_time()

            def load(loader=loader, label=config.label) -> None:
                loader(seed=seed, rng=rng_for(label, seed), out=self.stdout)
                DemoStep.objects.create(app=label, seed=seed, loaded_at=clock.now())

            # The load's events go to their handlers after the commit, several per transaction
            # (core.demo_outbox), after fresh statistics for the planner: without them SQLite
            # walks a status index where a customer's index answers at once (the feedback demo's
            # "lines received by a customer" read every fulfilment, 200 times), and so would the server.
            demo_outbox.load_then_drain(load, after_commit=self._analyze)
            # After the commit: the time includes the events' in-process handlers. CPU beside the
            # wall clock, which a busy machine stretches.
            self.stdout.write(f"  ({time.monotonic() - app_started:.1f} s, CPU {time.process_time() - app_cpu:.1f} s)")
            loaded += 1
        if loaded:
            # bench/bench_first_start.py reads this line.
            self.stdout.write(f"Demo loaded in {time.monotonic() - started:.1f} s (CPU {time.process_time() - cpu:.1f} s)")
        else:
            self.stdout.write("Demo already loaded: nothing to do.")

    @staticmethod
    def _analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _rotate(self) -> None:
        for config in self._app_configs():
            try:
                rotate = import_string(f"{config.name}.demo.rotate_secrets")
            except ImportError:
                continue
            if not DemoStep.objects.filter(app=config.label).exists():
                continue
            self.stdout.write(f"New demo secrets: {config.label}...")
            with transaction.atomic():
                rotate(out=self.stdout)

    def _print_logins(self) -> None:
        lines = credentials()
        if lines is None:
            self.stdout.write(
                f"\nThe demo logins were printed when the demo was first loaded and kept in {logins_file()}, which is "
                "missing or belongs to another database.\nNew ones: omnicanal demo --rotate-secrets"
            )
            return
        self.stdout.write("\nDemo logins (user, password, role), generated for this install:")
        for line in lines:
            self.stdout.write(line)
        for hint in self._login_hints():
            self.stdout.write(hint)
        self.stdout.write(f"(kept in {logins_file()}; print again: omnicanal demo --logins)")

    def _login_hints(self):
        """Logins that are no passwords (the shop's demo shopper signs in with a one-time code): each
        app's demo may name its own in `login_hints() -> list[str]`."""
        for config in self._app_configs():
            try:
                hints = import_string(f"{config.name}.demo.login_hints")
            except ImportError:
                continue
            yield from hints()
