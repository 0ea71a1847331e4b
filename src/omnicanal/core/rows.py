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
"""

from __future__ import annotations

import functools
from typing import TypeVar, cast

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

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
