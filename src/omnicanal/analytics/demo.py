"""Analytics' part of the demo: the conversations demo writes its threads in bulk (no events), so the
conversation cells are counted from those threads once they are all there (analytics loads after
conversations, bot, marketing and feedback). The order rollups follow the orders demo's events."""

from __future__ import annotations

import random

from omnicanal.analytics import conversation_rollups


def load(*, seed: int, rng: random.Random, out) -> None:
    counted = conversation_rollups.do_rebuild_conversation_rollups()
    out.write(f"  conversation cells: {counted} conversations counted\n")
