import pytest
from django.db import DatabaseError, connection, transaction

from omnicanal.core import audit
from omnicanal.core.auth import SYSTEM
from omnicanal.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return audit.record(actor=SYSTEM, action="stock.adjust", target_type="stock", target_id="SCL-CENTRO/SKU-1",
                        before={"on_hand": 3}, after={"on_hand": 2}, reason="damaged")


def test_an_entry_keeps_who_did_what_to_what(entry):
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_kind, stored.action, stored.before, stored.after) == ("system", "stock.adjust", {"on_hand": 3}, {"on_hand": 2})


def test_the_model_refuses_to_change_or_delete_an_entry(entry):
    entry.reason = "nothing happened"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_the_database_refuses_update_even_in_raw_sql(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = 'rewritten' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "damaged"


def test_the_database_refuses_delete_even_in_raw_sql(entry):
    audit.allow_purge_for_tests(False)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
