"""The harness's flush between transactional tests (core/testing_db.py): every table emptied as
Django's TRUNCATE empties them, the append-only guards back on afterwards, the seeded rows put back."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.core import audit
from omnicanal.core.auth import SYSTEM
from omnicanal.core.services import do_create_api_key, do_create_staff_user

KEPT = {"django_content_type", "auth_permission", "catalog_channel"}  # kept, or put back by post_migrate


def _row_counts() -> dict[str, int]:
    """Every table of the database (on PostgreSQL, those no model names too: catalog's search index)."""
    tables = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    if connection.vendor == "postgresql":
        tables |= set(connection.introspection.table_names()) - {"django_migrations"}
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _flush() -> list[str]:
    """What TransactionTestCase runs after each test (pytest-django's transactional_db)."""
    with CaptureQueriesContext(connection) as queries:
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False, allow_cascade=False,
                     inhibit_post_migrate=False)
    return [query["sql"] for query in queries.captured_queries]


def _migration_channels() -> set[str]:
    from importlib import import_module

    return {row[0] for row in import_module("omnicanal.catalog.migrations.0001_initial").CHANNELS}


@pytest.mark.django_db(transaction=True)
def test_the_flush_empties_every_table_and_puts_the_seeded_channels_back():
    # given rows in several tables, linked by foreign keys, and in the append-only audit log
    user = do_create_staff_user(username="flushed", password="secret-pass", role="admin", locations=[],
                                first_name="F")
    do_create_api_key(role="admin", locations=[], name="flushed", scopes=None)
    audit.record(actor=SYSTEM, action="test.flush", target_type="user", target_id=str(user.pk))
    apps.get_model("catalog", "Channel").objects.filter(code="web").update(name="Changed by a test")
    if connection.vendor == "postgresql":  # a row of the search index triggers keep (no model of its own)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO catalog_product_search (product_id, names, tsv) VALUES (1, 'x', '')")
    before = _row_counts()
    assert sum(count for table, count in before.items() if table not in KEPT) >= 3

    # when the harness flushes
    statements = _flush()

    # then every table is empty but the rows migrations and post_migrate put back, as the migration wrote them
    after = _row_counts()
    left = {table: count for table, count in after.items() if count and table not in KEPT}
    assert left == {}
    # the content types and permissions post_migrate writes are all there (kept: it only checked them)
    assert after["django_content_type"] == before["django_content_type"] > 0
    assert after["auth_permission"] == before["auth_permission"] > 0
    channels = apps.get_model("catalog", "Channel").objects
    assert set(channels.values_list("code", flat=True)) == _migration_channels()
    assert channels.get(code="web").name == "Tienda web"
    if connection.vendor == "postgresql":
        assert not [sql for sql in statements if sql.lstrip().upper().startswith("TRUNCATE")]
        assert [sql for sql in statements if sql.startswith('DELETE FROM "core_auditentry"')]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_flush_the_audit_log_is_append_only_again():
    audit.record(actor=SYSTEM, action="test.flush", target_type="user", target_id="1")
    _flush()
    audit.record(actor=SYSTEM, action="test.after", target_type="user", target_id="2")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry")
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_test_database_commits_without_waiting_for_the_disk():
    # the suite's own connections (from their startup options) and any later session of the test
    # database (a worker subprocess's) alike; TEST_SYNC_COMMIT=1 turns it off (to compare)
    import os

    import psycopg

    expected = "on" if os.environ.get("TEST_SYNC_COMMIT") == "1" else "off"
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == expected
    params = connection.get_connection_params()
    params.pop("options", None)  # a session that was not given the option: the database's setting
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params) as other:
        assert other.execute("SHOW synchronous_commit").fetchone()[0] == expected


def _content_type_reads(statements: list[str]) -> int:
    return sum(1 for sql in statements if 'FROM "django_content_type"' in sql and "COUNT(*)" not in sql)


@pytest.mark.django_db(transaction=True)
def test_a_flush_checks_the_static_rows_only_when_a_test_changed_them():
    from django.contrib.auth.models import Permission

    _flush()  # the static rows as a full check leaves them
    do_create_staff_user(username="flushed", password="secret-pass", role="admin", locations=[], first_name="F")
    # when nothing changed them: Django's receivers stay quiet, the seeded channels still come back
    statements = _flush()
    assert _content_type_reads(statements) == 0
    assert set(apps.get_model("catalog", "Channel").objects.values_list("code", flat=True)) == _migration_channels()
    # when a test removed a permission: the next flush checks them all and writes it back
    permissions = Permission.objects.count()
    Permission.objects.filter(codename="view_user").delete()
    statements = _flush()
    assert _content_type_reads(statements) > 0
    assert Permission.objects.count() == permissions and Permission.objects.filter(codename="view_user").exists()
    # and the one after finds them as that check left them
    do_create_staff_user(username="flushed", password="secret-pass", role="admin", locations=[], first_name="F")
    assert _content_type_reads(_flush()) == 0
