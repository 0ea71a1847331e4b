"""The reserve hot path's PL/pgSQL lives in inventory/sql/ and agrees with the Python it stands for:
the outbox row it writes is an `OutboxEvent`, its queue is `locks.STOCK_QUEUE`, and the functions in
the database are the files' text (migrations 0005 and later load them)."""

import fnmatch
import importlib
import re
import tomllib
from pathlib import Path

import pytest
from django.db import connection
from django.db.models.fields import NOT_PROVIDED

from omnicanal.core.models import OutboxEvent
from omnicanal.inventory import locks

SQL_DIR = Path(locks.__file__).parent / "sql"
# The last migration that loads the hot path's files (each loads them all, CREATE OR REPLACE).
MIGRATION = importlib.import_module("omnicanal.inventory.migrations.0009_reserve_row_at_commit")
FUNCTIONS = {"reserve.sql": "inventory_reserve", "reserve_row.sql": "inventory_reserve_row",
             "reserve_row_at_commit.sql": "inventory_reserve_row_at_commit"}


def sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def top_level_items(text: str) -> list[str]:
    """`a, f(b, c), 'd'` -> ["a", "f(b, c)", "'d'"]: split on commas outside parentheses and quotes."""
    items, depth, quoted, current = [], 0, False, ""
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            items.append(current.strip())
            current = ""
        else:
            current += char
    return [*items, current.strip()]


def outbox_inserts(text: str) -> list[tuple[list[str], list[str]]]:
    """Each INSERT INTO core_outboxevent of the text: (columns, values)."""
    found = []
    for match in re.finditer(r"INSERT INTO core_outboxevent\s*\(([^)]*)\)\s*VALUES\s*\(", text):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        values = text[match.end():end - 1]
        found.append((top_level_items(match.group(1)), top_level_items(values)))
    return found


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_outbox_row_the_sql_writes_has_outbox_events_columns_and_every_required_one(name):
    # Given the outbox table as the model defines it
    columns = {f.column for f in OutboxEvent._meta.concrete_fields}
    required = {f.column for f in OutboxEvent._meta.concrete_fields
                if not f.null and not f.primary_key and f.db_default is NOT_PROVIDED}
    # When the SQL file's INSERTs into it are read
    inserts = outbox_inserts(sql(name))
    # Then there is one, naming only the model's columns, every NOT NULL one, one value each
    assert len(inserts) == 1
    [(named, values)] = inserts
    assert len(named) == len(set(named)) == len(values)
    assert set(named) <= columns, f"{name} writes columns OutboxEvent does not have: {set(named) - columns}"
    assert required <= set(named), f"{name} leaves NOT NULL columns of OutboxEvent out: {required - set(named)}"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_sql_queues_on_the_advisory_lock_class_and_key_of_locks_queue_key(name):
    # Given the advisory locks the SQL file takes
    text = sql(name)
    calls = re.findall(r"pg_advisory\w*\(([^;]*)\);", text)
    pattern = re.compile(r"(\d+),\s*\((\w+)\s*&\s*(\d+)\)::int")
    parsed = [pattern.fullmatch(call.strip()) for call in calls]
    # Then each is (STOCK_QUEUE, row id masked as locks.queue_key masks it)
    assert calls and all(parsed), f"{name}: advisory locks not of the form (class, (id & mask)::int): {calls}"
    for match in parsed:
        klass, mask = int(match.group(1)), int(match.group(3))
        assert klass == locks.STOCK_QUEUE
        for stock_id in (1, 2**31 - 1, 2**31 + 7, 2**40 + 5):
            assert locks.queue_key(stock_id) == (klass, stock_id & mask)


def test_the_migration_loads_every_sql_file_of_the_hot_path():
    # Given the files in inventory/sql/ and the functions each defines
    on_disk = sorted(p.name for p in SQL_DIR.glob("*.sql"))
    # Then the last migration loads each, and each defines its function (and only that one)
    assert sorted(MIGRATION.FILES) == on_disk == sorted(FUNCTIONS)
    for name, function in FUNCTIONS.items():
        assert re.findall(r"CREATE OR REPLACE FUNCTION (\w+)\(", sql(name)) == [function]
        assert any(signature.startswith(f"{function}(") for signature in MIGRATION.SIGNATURES)


def test_the_package_ships_the_sql_files():
    # Given the package data the build ships
    pyproject = tomllib.loads((Path(__file__).parents[4] / "pyproject.toml").read_text(encoding="utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]
    patterns = [*data.get("*", []), *data.get("omnicanal.inventory", [])]
    # Then each SQL file (relative to its package) matches one of its patterns
    for name in FUNCTIONS:
        assert any(fnmatch.fnmatch(f"sql/{name}", pattern) for pattern in patterns), name


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_functions_in_the_database_are_the_files_text(name):
    # Given the function's body in its file (between the dollar quotes)
    body = sql(name).split("$$")[1]
    # When the migrated test database is asked for the function's source
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [FUNCTIONS[name]])
        rows = cursor.fetchall()
    # Then it is that body, exactly
    assert rows == [(body,)]
