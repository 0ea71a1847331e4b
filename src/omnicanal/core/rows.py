"""New rows written with SQL composed once per shape, for the hottest write paths (issue 23).

`insert(objs)` writes new instances of one model as `Model.objects.bulk_create(objs)` does for plain
rows: every concrete field but the auto primary key, each value through the field's own `pre_save`
and `get_db_prep_save` (so defaults, generated ids, JSON and money columns are stored exactly as the
ORM stores them), the primary keys set on the instances from `RETURNING`, no signals. What it saves
is the ORM composing the statement again on every call (a query object, a compiler, a placeholder
per value): for a placed order's five INSERTs that was more of the web process's CPU than the
database's own work. The statement is cached per model and row count.

Anything it does not handle the ORM's way goes to `bulk_create` unchanged: an expression as a value
(a database default, F()), a field with its own placeholder, an instance that has its key already,
a database that cannot return the keys of a multi-row INSERT.

`insert_linked(*batches)` writes several such batches, a later one's foreign keys pointing at an
earlier one's new instances (an order and its lines), in ONE statement on PostgreSQL (2026-12-07).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar, cast

import psycopg
from django.db import connection, models
from django.db.models.fields import AutoFieldMixin
from psycopg.types.json import Jsonb

from omnicanal.core.ids import PublicIdField
from omnicanal.core.libpq import HotStatement

M = TypeVar("M", bound=models.Model)


def insert(objs: list[M]) -> list[M]:
    """INSERT these new instances of one model in one statement; their primary keys are set."""
    if not objs:
        return objs
    model = type(objs[0])
    fields = _fields(model)
    if fields is None or not connection.features.can_return_rows_from_bulk_insert:
        return model._default_manager.bulk_create(objs)
    params: list = []
    for obj in objs:
        if obj.pk is not None or type(obj) is not model:
            return model._default_manager.bulk_create(objs)
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        for field in fields:
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                return model._default_manager.bulk_create(objs)
            params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(_sql(model, len(objs)), params)
        keys = cursor.fetchall()
    for obj, (pk,) in zip(objs, keys, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


@functools.cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...] | None:
    """The columns an INSERT names (None: not a model this module writes)."""
    if not isinstance(model._meta.pk, AutoFieldMixin):
        return None
    fields = tuple(f for f in model._meta.concrete_fields if f is not model._meta.pk)
    if any(getattr(f, "generated", False) or hasattr(f, "get_placeholder") for f in fields):
        return None
    return fields


@functools.lru_cache(maxsize=256)
def _sql(model: type[models.Model], count: int) -> str:
    quote = connection.ops.quote_name
    fields = _fields(model) or ()
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(quote(cast(str, f.column)) for f in fields)
    return (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([row] * count)} "
            f"RETURNING {quote(cast(str, model._meta.pk.column))}")


def insert_linked(*batches: list) -> None:
    """INSERT several batches of new instances (one model per batch), where a later batch's foreign
    keys may point at an instance of an earlier one that has no key yet (an order, its lines, their
    fulfilment lines): on PostgreSQL ONE statement, a data-modifying CTE per batch whose linked
    columns read the key the earlier CTE returned; elsewhere `insert` per batch, in order. Each
    batch is written as `insert` writes it (bulk_create's values); the keys, and the linked foreign
    key columns, are set on the instances. A placed order's five INSERTs were a quarter of its
    client CPU as five statements (issue 23). Empty batches are skipped."""
    batches = tuple(batch for batch in batches if batch)
    if not batches:
        return
    shape, params = _linked(batches) if connection.vendor == "postgresql" else (None, [])
    if shape is None:
        for batch in batches:
            insert(batch)
        return
    keys = _run_linked(shape, params)
    at = 0
    for b, batch in enumerate(batches):
        for obj in batch:
            tag, pk = keys[at]
            assert tag == b  # the rows come back batch by batch, each in VALUES order
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
            at += 1
    for batch in batches:
        for obj in batch:
            for field, parent in _links(obj):
                setattr(obj, field.attname, parent.pk)


def _run_linked(shape: tuple, params: list) -> list[tuple[int, int]]:
    """The statement's (batch, key) rows. A shape of a few rows (a checkout's) goes as a statement
    prepared once per connection, its parameters as text (core.libpq.HotStatement): psycopg adapted
    each of a placed order's ~60 parameters through its dumpers, and the server parsed and planned the
    five INSERTs again for every order (issue 23). Larger shapes, and values it does not send as text,
    go through psycopg, unprepared (each shape would stay prepared on every connection)."""
    texts = _as_text(params) if sum(len(rows) for _model, rows in shape) <= _PREPARED_ROWS else None
    if texts is None:
        with _raw_cursor() as cursor:
            cursor.execute(_linked_sql(shape), params)
            return cursor.fetchall()
    statement = _hot_linked(shape)
    with connection.wrap_database_errors:  # IntegrityError and the like as Django raises them
        rows = statement.run_encoded(dict(zip(statement.names, texts, strict=True)))
    return [(int(tag), int(pk)) for tag, pk in rows]  # type: ignore[arg-type]  # neither is NULL


_PREPARED_ROWS = 16  # an order of up to a dozen lines, its fulfilments and payment


@functools.lru_cache(maxsize=64)
def _hot_linked(shape: tuple) -> HotStatement:
    sql = re.sub(r"\$(\d+)", r"%(p\1)s", _linked_sql(shape))
    return HotStatement("omnicanal_rows_" + hashlib.sha1(sql.encode()).hexdigest()[:20], sql)


def _as_text(params: list) -> list[bytes | None] | None:
    """Each parameter as the text PostgreSQL reads for its column, None when one is of a type this does
    not know (the caller then lets psycopg adapt them)."""
    texts: list[bytes | None] = []
    for value in params:
        if type(value) is str:  # most of them: without a call
            texts.append(value.encode())
            continue
        encode = _TEXT.get(type(value)) or _text_of_subclass(type(value))
        if encode is None:
            return None
        texts.append(encode(value))
    return texts


def _text_of_subclass(kind: type) -> Callable[[Any], bytes | None] | None:
    """A str or int subclass (a choices enum, psycopg's Int4 from an integer field) as its plain
    value; the answer is kept per type."""
    for base in (bool, str, int):
        if issubclass(kind, base):
            encode = _TEXT[base] if base is not int else (lambda value: str(int(value)).encode())
            _TEXT[kind] = encode
            return encode
    return None


def _json_text(value: Jsonb) -> bytes:
    text = (value.dumps or json.dumps)(value.obj)
    return text if isinstance(text, bytes) else text.encode()


def _datetime_text(value: dt.datetime) -> bytes:
    if value.utcoffset() is None:
        raise ValueError("naive datetime sent to the database")
    return value.isoformat().encode()


_TEXT: dict[type, Callable[[Any], bytes | None]] = {
    str: str.encode, type(None): lambda value: None, bool: lambda value: b"t" if value else b"f",
    int: lambda value: str(value).encode(), Decimal: lambda value: str(value).encode(),
    dt.datetime: _datetime_text, dt.date: lambda value: value.isoformat().encode(),
    uuid.UUID: lambda value: str(value).encode(), Jsonb: _json_text,
}


def _links(obj: models.Model) -> list[tuple[models.Field, models.Model]]:
    """The instance's many-to-one fields whose related instance is held in memory, with it."""
    cached = obj._state.fields_cache
    return [(field, parent) for field in _relations(type(obj))
            if (parent := cached.get(field.cache_name)) is not None]


@functools.cache
def _relations(model: type[models.Model]) -> tuple:
    """The columns of `_fields(model)` that hold a many-to-one (or one-to-one) key."""
    return tuple(f for f in _fields(model) or () if f.many_to_one or f.one_to_one)


def _linked(batches: tuple[list, ...]) -> tuple[tuple | None, list]:
    """The statement's shape (hashable: per batch its model and, per row, each column's earlier
    (batch, row) or None for a parameter) and its parameters; (None, []) when one instance is not
    plain (the caller then inserts batch by batch)."""
    if not connection.features.can_return_rows_from_bulk_insert:
        return None, []
    where: dict[int, tuple[int, int]] = {}
    shape: list = []
    params: list = []
    for b, batch in enumerate(batches):
        model: type[models.Model] = type(batch[0])
        fields = _fields(model)
        if fields is None:
            return None, []
        rows = []
        for r, obj in enumerate(batch):
            if obj.pk is not None or type(obj) is not model:
                return None, []
            linked = {}
            for field, parent in _links(obj):
                if field.one_to_one:
                    return None, []
                if id(parent) in where and parent.pk is None:
                    linked[field] = where[id(parent)]
                elif parent.pk is None:
                    raise ValueError(f"insert_linked() prohibited: {field.name} is an unsaved instance outside the batches.")
                elif getattr(obj, field.attname) is None:
                    setattr(obj, field.attname, parent.pk)  # as _prepare_related_fields_for_save does
            row: list[tuple[int, int] | None] = []
            for field in fields:
                if field in linked:
                    row.append(linked[field])
                    continue
                value = field.pre_save(obj, add=True)
                kind = _PLAIN.get(type(field))
                if kind is not None and (value is None or type(value) is kind and (kind is str or kind is int or _plain(value))
                                         or kind is str and isinstance(value, str)):  # a choices enum: kept as is too
                    params.append(value)  # what get_db_prep_save answers for it on PostgreSQL, without its calls
                elif hasattr(value, "resolve_expression"):
                    return None, []
                else:
                    params.append(field.get_db_prep_save(value, connection))
                row.append(None)
            rows.append(tuple(row))
            where[id(obj)] = (b, r)
        shape.append((model, tuple(rows)))
    return tuple(shape), params


def _raw_cursor():
    """Django's cursor wrapper (its execute wrappers, query log and error translation) around a
    psycopg RawCursor: the statement's `$1` placeholders go to the server as they are. A psycopg
    cursor parses `%s` placeholders again on each call past 50 parameters (its cache stops there),
    which cost as much as the four statements saved."""
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_Unprepared(connection.connection))


class _Unprepared(psycopg.RawCursor):
    """Never prepared by psycopg: once psycopg holds a prepared statement of its own, a ROLLBACK makes it
    send DEALLOCATE ALL, which would drop core.libpq's hot statements behind its back."""

    def execute(self, query, params=None, **kwargs):
        kwargs["prepare"] = False
        return super().execute(query, params, **kwargs)


# Field classes (exactly these, not subclasses) whose get_db_prep_save hands a value of this type, or
# None, back unchanged on PostgreSQL (an int wrapped in psycopg's Int4, which only names the type the
# column has anyway): a placed order has ~60 columns, and the generic calls were a tenth of its CPU.
_PLAIN: dict[type, type] = {models.CharField: str, models.TextField: str, PublicIdField: str,
                            models.DecimalField: Decimal, models.DateTimeField: dt.datetime,
                            models.IntegerField: int, models.PositiveIntegerField: int,
                            models.PositiveSmallIntegerField: int, models.SmallIntegerField: int,
                            models.BigIntegerField: int}


def _plain(value) -> bool:
    """A finite Decimal (DecimalField.to_python refuses the others), an aware datetime (a naive one is
    warned about and made aware by DateTimeField)."""
    return value.is_finite() if type(value) is Decimal else value.utcoffset() is not None


@functools.lru_cache(maxsize=256)
def _linked_sql(shape: tuple) -> str:
    quote = connection.ops.quote_name
    ctes, selects = [], []
    numbers = itertools.count(1)
    for b, (model, rows) in enumerate(shape):
        fields = _fields(model) or ()
        columns = ", ".join(quote(cast(str, f.column)) for f in fields)
        values = ", ".join(
            "(" + ", ".join(f"${next(numbers)}" if ref is None else f"(SELECT id FROM c{ref[0]} LIMIT 1 OFFSET {ref[1]})"
                            for ref in row) + ")"
            for row in rows)
        ctes.append(f"c{b} AS (INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {values} "
                    f"RETURNING {quote(cast(str, model._meta.pk.column))} AS id)")
        selects.append(f"SELECT {b}, id FROM c{b}")
    return "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(selects)
