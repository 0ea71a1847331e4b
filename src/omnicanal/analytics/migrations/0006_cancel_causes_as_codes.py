"""The rollups' cancellation causes become orders' codes: a `cause:<words>` cell (a staff member's
free text, which may name the customer and outlived their erasure) is folded into `cause:<code>` of
the same hour or day, channel and location; words that are no code count as `other`
(orders.queries.cancel_cause_code), `cause:unspecified` stays."""

from django.db import migrations

from omnicanal.orders.queries import CANCEL_CAUSE_CODES, cancel_cause_code

CAUSE, UNSPECIFIED = "cause:", "unspecified"
KEPT = {CAUSE + code for code in (*CANCEL_CAUSE_CODES, UNSPECIFIED)}


def cause_metric(metric: str) -> str:
    """The cell's metric once its cause is a code."""
    return CAUSE + (cancel_cause_code(metric.removeprefix(CAUSE)) or UNSPECIFIED)


def causes_to_codes(apps, schema_editor):
    RollupCell = apps.get_model("analytics", "RollupCell")
    for cell in RollupCell.objects.filter(metric__startswith=CAUSE).exclude(metric__in=KEPT).order_by("pk"):
        target, _ = RollupCell.objects.get_or_create(grain=cell.grain, bucket=cell.bucket, channel=cell.channel,
                                                     location=cell.location, metric=cause_metric(cell.metric))
        target.value += cell.value
        target.save(update_fields=["value"])
        cell.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0005_conversation_rollups"),
        ("orders", "0004_cancel_cause"),
    ]

    operations = [
        migrations.RunPython(causes_to_codes, migrations.RunPython.noop),
    ]
