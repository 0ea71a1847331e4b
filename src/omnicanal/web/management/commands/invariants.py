import json

from django.core.management.base import BaseCommand, CommandError

from omnicanal.web import invariants


class Command(BaseCommand):
    help = ("Check the data's invariants (stock = sum of movements, the ledger balanced, each inbound message "
            "stored once, no outbox handler run twice) and count every table's rows; exits 1 when one does not hold.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="print one JSON object: problems, figures and row counts")
        parser.add_argument("--settled", action="store_true",
                            help="the system is idle (after a drill): every outbox event done, no Idempotency-Key "
                                 "left unanswered")

    def handle(self, *args, as_json: bool = False, settled: bool = False, **options):
        problems = invariants.problems(settled=settled)
        if as_json:
            self.stdout.write(_dumps({"problems": problems, "figures": invariants.figures(),
                                      "rows": invariants.row_counts()}))
        else:
            report(self.stdout, problems)
        if any(problems.values()):
            raise CommandError("some invariants do not hold")


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True)


def report(out, problems: dict[str, list[str]]) -> None:
    for name, found in problems.items():
        out.write(f"{name}: {'ok' if not found else f'{len(found)} problem(s)'}")
        for problem in found[:20]:
            out.write(f"  - {problem}")
