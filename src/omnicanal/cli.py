"""The `omnicanal` command: Django's manage.py with the project's settings preset."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path


def _metrics_folder() -> None:
    """`serve` runs several processes (uvicorn's workers, the background worker) whose counters
    /metrics adds up from memory-mapped files in PROMETHEUS_MULTIPROC_DIR (core/metrics.py).
    prometheus_client reads that variable when it is first imported, so it is set here, before
    Django starts: a fresh temporary folder removed at exit, or the operator's own folder, emptied
    of a previous run's files (one folder per node: two servers must not share one)."""
    if folder := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
        return
    made = tempfile.mkdtemp(prefix="omnicanal-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    atexit.register(shutil.rmtree, made, ignore_errors=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    if sys.argv[1:2] == ["serve"]:
        _metrics_folder()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
