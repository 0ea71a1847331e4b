"""TEMPORARY (not committed): per-stage timestamps of the push path, on when PUSH_TRACE names a dir."""
import os
import time

_DIR = os.environ.get("PUSH_TRACE")
state = {"dequeued": 0.0}


def mark(stage, keys, at=None):
    if not _DIR:
        return
    at = time.time() if at is None else at
    with open(f"{_DIR}/{os.getpid()}.log", "a") as handle:
        handle.write("".join(f"{stage} {key} {at:.6f}\n" for key in keys))
