"""PL/pgSQL functions shipped as SQL files beside the code that calls them, installed by migrations.

A domain keeps each function's text in `<app>/sql/<name>.sql` (one CREATE OR REPLACE FUNCTION a
file): the files are the one definition. A migration loads them with `install(...)`; a change to a
file needs a new migration that loads it again (CREATE OR REPLACE; a changed signature also drops the
old one). SQLite has no such functions: there the callers take their ORM path, and the operation
does nothing.
"""

from __future__ import annotations

from importlib.resources import files

from django.db import migrations


def sql_file(package: str, name: str) -> str:
    return (files(package) / "sql" / name).read_text(encoding="utf-8")


def install(package: str, names: tuple[str, ...], signatures: tuple[str, ...] = (),
            replacing: tuple[str, ...] = ()) -> migrations.RunPython:
    """A migration operation creating the functions of `names` (in that order) on PostgreSQL, after
    dropping the `replacing` signatures (a new parameter is a new signature: the old function would
    stay beside it); backwards drops `signatures` (none given: backwards does nothing, for a reload
    whose new functions still answer the old calls)."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            _drop(schema_editor, replacing)
            for name in names:
                schema_editor.execute(sql_file(package, name))

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            _drop(schema_editor, signatures)

    return migrations.RunPython(forwards, backwards)


def _drop(schema_editor, signatures: tuple[str, ...]) -> None:
    for signature in signatures:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {signature}")
