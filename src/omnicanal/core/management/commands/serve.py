import os
import signal
import subprocess
import sys

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections


class Command(BaseCommand):
    help = "Serve the platform (uvicorn, ASGI: HTTP and WebSockets) and run the worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")
        parser.add_argument("--prepare", action="store_true",
                            help="first migrate and load the demo, each only when not done yet (make run)")

    def handle(self, *args, host, port, workers, no_worker, prepare, **options):
        if prepare:
            # In this process: a second start pays a quick check, not two more Django start-ups.
            from omnicanal.core.management.commands.prepare import prepare as prepare_database

            prepare_database(self.stdout, verbosity=options["verbosity"])
            connections.close_all()
        base = f"http://{host}:{port}"
        self.stdout.write(
            f"\n{settings.OMNICANAL['BUSINESS_NAME']} on omnicanal\n"
            f"  Shop:     {base}/\n"
            f"  Console:  {base}/console/\n"
            f"  API docs: {base}/api/docs (Store API: {base}/api/store/v1/docs)\n"
            f"  Health:   {base}/health\n"
            f"  Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}\n"
            "Press Ctrl-C to stop.\n"
        )
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "omnicanal.cli", "worker"], env=os.environ.copy())
        try:
            uvicorn.run(
                "omnicanal.web.asgi:application",
                host=host,
                port=port,
                workers=workers,
                log_level=os.environ.get("UVICORN_LOG_LEVEL", "warning"),
                lifespan="off",
            )
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGINT)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
