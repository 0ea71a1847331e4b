"""How the test harness empties the database between transactional tests (conftest.py installs it).

Django's TransactionTestCase (pytest-django's `transactional_db`, `live_server`) ends each test with
`flush`: on PostgreSQL one `TRUNCATE` of every table (about 140, with nearly 600 indexes). TRUNCATE
gives each table and index a new file and fsyncs them all at COMMIT: 3-7 s per flush on the 2-core
reference machine (and hundreds of transactional tests), where SQLite's `DELETE FROM` of tables that
are mostly empty costs milliseconds. That was most of why the PostgreSQL pass took 2.3 times the
SQLite one (docs/operations.md, "The test run").

`row_flush_sql` empties the same tables with `DELETE` instead, and only those that hold a row, plus
the tables beside them that TRUNCATE triggers empty (catalog's search index): the same end state
(every table empty; sequences untouched, as Django's TRUNCATE without RESTART IDENTITY leaves them). As TRUNCATE fires no row trigger, the flush's own transaction runs with
`session_replication_role = replica`, so the append-only triggers (audit log, ledger) and the
foreign-key checks stay quiet for it alone. That setting needs a superuser (the suite's `postgres`);
any other role keeps Django's TRUNCATE.

Both vendors keep the content types and permissions (STATIC_TABLES): post_migrate, which the flush
sends, would write the same rows back; it finds them and only checks. Checking is 76 queries a flush
(one a app for its content types, two for its permissions), so `static_rows_checked_once` lets
Django's two receivers check only when the two tables' row counts differ from what their last full
check left (a test added or removed one): otherwise the flush's post_migrate reaches the other
receivers alone (the seeds below), after one query.

`commits_skip_the_disk_wait()` turns PostgreSQL's `synchronous_commit` off for the test database:
a COMMIT returns before its WAL reaches the disk (10-20 ms saved on every commit of the shared
2-core machine: migrations, transactional and live-server tests, their worker subprocesses). It
changes nothing another session sees (a committed row is visible at once, as before), only what a
crash of the server itself could lose, and the suite never crashes the machine's server (the
cluster tests restart a server of their own).

`SharedRows` builds rows once for a module's tests (as Django's `setUpTestData` for a class).

`reseed(seeds)` puts back, after every flush, the rows data migrations seed (conftest.py lists the
seeding functions): a flush removes them, and under pytest-xdist a worker runs a file that reads them
after another file's flush.
"""

from __future__ import annotations

from collections.abc import Callable

SUPERUSER_ONLY = "session_replication_role"
# Rows post_migrate writes after every flush, the same each time (content types, permissions): kept,
# so that it only checks them (76 queries, not 190: about 0.4 s a flush under load).
STATIC_TABLES = frozenset({"django_content_type", "auth_permission"})


def _is_superuser(connection) -> bool:
    cached = getattr(connection, "_omnicanal_superuser", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            cached = bool(cursor.fetchone()[0])
        connection._omnicanal_superuser = cached
    return cached


def _tables_beside_django(connection, known: set[str]) -> set[str]:
    """Tables of the schema that no model names (catalog's search index, kept by triggers): a
    TRUNCATE of the models' tables empties them through TRUNCATE triggers, which a DELETE under
    `replica` does not fire. The migrations' own bookkeeping stays. `known`: the models' existing
    tables, as the flush command listed them (not introspected a second time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        every = {name for (name,) in cursor.fetchall()}
    return every - known - {"django_migrations"}


def _tables_with_rows(connection, tables: list[str]) -> list[str]:
    """One round trip: which of these tables hold at least one row."""
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {quote(table)})" for i, table in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tables[i] for (i,) in cursor.fetchall()]


def row_flush_sql(original: Callable) -> Callable:
    """A PostgreSQL `DatabaseOperations.sql_flush` that deletes rows instead of truncating files."""

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        beside = set(tables)  # every existing model table, the static ones included
        tables = [table for table in tables if table not in STATIC_TABLES]
        if not tables or reset_sequences or not _is_superuser(self.connection):
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        filled = _tables_with_rows(self.connection, sorted(set(tables) | _tables_beside_django(self.connection, beside)))
        if not filled:
            return []
        quote = self.quote_name
        # SET LOCAL ends with the transaction; set back at the end too, for a flush inside an outer one.
        return ([f"SET LOCAL {SUPERUSER_ONLY} = replica"]
                + [f"DELETE FROM {quote(table)}" for table in filled]
                + [f"SET LOCAL {SUPERUSER_ONLY} = origin"])

    sql_flush.omnicanal_row_flush = True  # type: ignore[attr-defined]
    return sql_flush


def static_rows_kept(original: Callable) -> Callable:
    """SQLite's `sql_flush` (DELETE FROM each table) without the STATIC_TABLES."""

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        tables = [table for table in tables if table not in STATIC_TABLES]
        return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)

    sql_flush.omnicanal_row_flush = True  # type: ignore[attr-defined]
    return sql_flush


def install_row_flush() -> None:
    """On the operations class of each configured database's backend; and the flush's post_migrate
    checks the kept static rows only when they changed (static_rows_checked_once)."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        wrap = {"postgresql": row_flush_sql, "sqlite": static_rows_kept}.get(connection.vendor)
        operations = type(connection.ops)
        if wrap and not getattr(operations.sql_flush, "omnicanal_row_flush", False):
            operations.sql_flush = wrap(operations.sql_flush)  # type: ignore[method-assign]
    static_rows_checked_once()


# Set while a flush's post_migrate runs with the static rows as their last full check left them.
_static_rows_unchanged = False
# {database alias: (content types, permissions)} as the last full check left them.
_checked_counts: dict[str, tuple[int, int]] = {}


def _static_counts(connection) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT COUNT(*) FROM django_content_type), (SELECT COUNT(*) FROM auth_permission)")
        content_types, permissions = cursor.fetchone()
    return int(content_types), int(permissions)


def _unless_unchanged(receiver: Callable) -> Callable:
    def guarded(*args, **kwargs):
        if not _static_rows_unchanged:
            return receiver(*args, **kwargs)
        return None

    guarded.omnicanal_guarded = True  # type: ignore[attr-defined]
    return guarded


def static_rows_checked_once() -> None:
    """Django's post_migrate receivers that write the static rows (contenttypes', auth's), put back
    in their place and order, skip while a flush finds those rows as their last full check left them;
    `migrate` (the test database's creation) is not a flush and runs them as always."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.core.management.commands import flush
    from django.db.models.signals import post_migrate

    if getattr(flush.emit_post_migrate_signal, "omnicanal_guarded", False):  # type: ignore[attr-defined]
        return
    auth_uid = "django.contrib.auth.management.create_permissions"
    post_migrate.disconnect(dispatch_uid=auth_uid)
    post_migrate.disconnect(create_contenttypes)
    post_migrate.connect(_unless_unchanged(create_permissions), dispatch_uid=auth_uid, weak=False)
    post_migrate.connect(_unless_unchanged(create_contenttypes), dispatch_uid="omnicanal_create_contenttypes",
                         weak=False)
    emit = flush.emit_post_migrate_signal  # type: ignore[attr-defined]  # the name flush.py imported

    def emit_after_flush(verbosity, interactive, db, **kwargs):
        global _static_rows_unchanged
        from django.db import connections

        counts = _static_counts(connections[db])
        if _checked_counts.get(db) != counts:
            emit(verbosity, interactive, db, **kwargs)
            _checked_counts[db] = _static_counts(connections[db])
            return
        _static_rows_unchanged = True
        try:
            emit(verbosity, interactive, db, **kwargs)
        finally:
            _static_rows_unchanged = False

    emit_after_flush.omnicanal_guarded = True  # type: ignore[attr-defined]
    flush.emit_post_migrate_signal = emit_after_flush  # type: ignore[attr-defined]


NO_DISK_WAIT = "-c synchronous_commit=off"


def commits_skip_the_disk_wait() -> None:
    """For the connections this process opens from now on (the test database's creation and
    migrations included): PostgreSQL's `synchronous_commit = off` in their startup options."""
    from django.db import connections

    for alias in connections:
        if connections[alias].vendor != "postgresql":
            continue
        options = connections[alias].settings_dict.setdefault("OPTIONS", {})
        if NO_DISK_WAIT not in options.get("options", ""):
            options["options"] = f"{options.get('options', '')} {NO_DISK_WAIT}".strip()


def database_skips_the_disk_wait(connection) -> None:
    """The same for every later session of the test database, other processes' too (the worker
    subprocesses some tests start read their settings from a URL, without the options above)."""
    if connection.vendor != "postgresql" or not _is_superuser(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} "
                       "SET synchronous_commit = off")



class SharedRows:
    """Rows built once for a module's tests, as Django's `TestCase.setUpTestData` builds them for a
    class: inside a transaction left open across the module, where each test's own transaction (the
    `db` fixture's) is a savepoint rolled back after it, so every test starts from these rows as
    built, whatever an earlier one changed. Only for modules without transactional tests (they
    could not run inside the open transaction). Nothing commits while building: a build that needs
    on_commit callbacks runs them itself (Django's `TestCase.captureOnCommitCallbacks(execute=True)`).

        @pytest.fixture(scope="module")
        def _week(django_db_setup, django_db_blocker):
            yield from SharedRows(django_db_blocker).around(make_week)
    """

    def __init__(self, django_db_blocker):
        self.blocker = django_db_blocker

    def around(self, build):
        from django.db import transaction

        outer = transaction.atomic()
        with self.blocker.unblock():
            outer.__enter__()
            try:  # the build's own failure: the transaction closed, the error the fixture's
                built = build()
            except BaseException:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
                raise
        try:
            yield built
        finally:
            with self.blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)


def reseed(seeds: dict[str, list[str]]) -> Callable:
    """A post_migrate receiver (Django's flush sends post_migrate after emptying the tables) that calls
    the seeding functions of data migrations, {app label: ["pkg.migrations.0001_x:function"]}, with
    the project's app registry, as the migration calls them with its historical one (idempotent)."""

    def receiver(sender=None, using: str = "default", **kwargs) -> None:
        from importlib import import_module
        from types import SimpleNamespace

        from django.apps import apps
        from django.db import connections, transaction

        # a data migration reads only schema_editor.connection, if anything (no DDL here)
        editor = SimpleNamespace(connection=connections[using])
        targets = seeds.get(getattr(sender, "label", ""), [])
        if not targets:
            return
        with transaction.atomic(using=using):  # one commit for the seeds, not one a row
            for target in targets:
                module, function = target.split(":")
                getattr(import_module(module), function)(apps, editor)

    return receiver
