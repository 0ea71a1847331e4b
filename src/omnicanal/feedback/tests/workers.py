"""Functions run in child processes by the concurrency tests (core.testing.run_in_processes)."""

import json


def complete_survey(send_id: str, worker: int, attempts: int, auth: str | None) -> dict:
    """Try to send the last answer `attempts` times, through the service (auth None) or the API."""
    from django.db import transaction

    from omnicanal.core.errors import Conflict
    from omnicanal.feedback.services import surveys

    counts = {"completed": 0, "refused": 0, "other": []}
    client = None
    if auth:
        from django.test import Client

        client = Client()
    for attempt in range(attempts):
        answers = {"canal": "web" if (worker + attempt) % 2 else "tienda"}
        if client is None:
            try:
                with transaction.atomic():
                    surveys.do_answer(send_id=send_id, answers=answers)
                counts["completed"] += 1
            except Conflict:
                counts["refused"] += 1
            continue
        response = client.post(f"/api/v1/survey-sends/{send_id}/answers", json.dumps({"answers": answers}),
                               content_type="application/json", HTTP_AUTHORIZATION=auth)
        if response.status_code == 200:
            counts["completed"] += 1
        elif response.status_code == 409:
            counts["refused"] += 1
        else:
            counts["other"].append(response.status_code)
    return counts


def run_due(worker: int, at: str) -> int:
    """The worker's task, as one of several workers running it at the same moment (`at`, ISO 8601)."""
    import datetime as dt

    from omnicanal.core import clock
    from omnicanal.feedback.tasks import send_due_surveys

    with clock.frozen(dt.datetime.fromisoformat(at)):
        return send_due_surveys.call_local()
