"""Feedback's writers (do_/check_), by topic: reviews, budget (the fatigue governor's ledger),
surveys (sends, answers, rewards)."""
