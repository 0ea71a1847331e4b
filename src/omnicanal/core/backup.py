"""Backups and restores of the database (`omnicanal backup` / `omnicanal restore`; docs/operations.md,
"Backups and restore").

- The embedded SQLite file is copied with SQLite's online backup API (sqlite3.Connection.backup):
  a consistent snapshot while the server and the worker keep writing (WAL: readers never block the
  writer), checked with PRAGMA integrity_check, written beside the target and renamed into place, so a
  half-written backup never looks like a whole one. A restore checks the file first, then copies it
  page by page over the live database under SQLite's write lock.
- PostgreSQL goes through its own tools: pg_dump's custom format and pg_restore (--clean, one
  transaction), with the connection's settings passed in libpq's environment (never on a command
  line another user could read). Point-in-time recovery is the server's job (WAL archiving):
  docs/operations.md.

A backup holds everything we hold about people: it is written 0600.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any


class BackupError(Exception):
    """The backup or restore could not be made; nothing was replaced."""


def vendor(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"no backup for the database engine {engine}")


# --- SQLite ------------------------------------------------------------------------------------


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def _check(database: sqlite3.Connection, what: Path) -> None:
    try:
        [(verdict,)] = database.execute("PRAGMA integrity_check").fetchall()
        tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{what}: not a readable SQLite database ({error})") from error
    if verdict != "ok":
        raise BackupError(f"{what}: integrity check failed: {verdict}")
    if "django_migrations" not in tables:
        raise BackupError(f"{what}: not an omnicanal database (no django_migrations table)")


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the live database `source` to `target`; returns the backup's size in bytes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    live = _open_read_only(Path(source))
    partial.touch(mode=0o600)  # private from its first byte
    copy = sqlite3.connect(partial)
    try:
        # One step (pages=-1): the copy is one read transaction, a snapshot the writers do not disturb.
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _check(copy, partial)
    except BaseException:
        copy.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        live.close()
    copy.close()
    os.replace(partial, target)
    return target.stat().st_size


def restore_sqlite(backup: Path, target: Path) -> None:
    """Replace the database `target` with the backup (checked first); the target may be open elsewhere:
    other connections see the restored content from their next transaction."""
    saved = _open_read_only(Path(backup))
    try:
        _check(saved, Path(backup))
        live = sqlite3.connect(target, timeout=30)
        try:
            saved.backup(live)
        finally:
            live.close()
    finally:
        saved.close()


# --- PostgreSQL --------------------------------------------------------------------------------


def _libpq_env(settings_dict: dict[str, Any], name: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    values = {"PGHOST": settings_dict.get("HOST"), "PGPORT": settings_dict.get("PORT"),
              "PGUSER": settings_dict.get("USER"), "PGPASSWORD": settings_dict.get("PASSWORD"),
              "PGDATABASE": name or settings_dict.get("NAME")}
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _run(tool: str, args: list[str], env: dict[str, str]) -> None:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run([path, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def backup_postgresql(settings_dict: dict[str, Any], target: Path, *, name: str | None = None) -> int:
    """pg_dump's custom format (compressed; pg_restore can pick from it) of the database."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.touch(mode=0o600)
    try:
        _run("pg_dump", ["--format=custom", "--no-owner", f"--file={partial}"], _libpq_env(settings_dict, name))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return target.stat().st_size


def restore_postgresql(settings_dict: dict[str, Any], backup: Path, *, name: str | None = None) -> None:
    """pg_restore into the database: its objects dropped and recreated, in one transaction (a failure
    leaves the database as it was)."""
    if not Path(backup).is_file():
        raise BackupError(f"{backup}: no such file")
    env = _libpq_env(settings_dict, name)
    _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                        f"--dbname={env['PGDATABASE']}", str(backup)], env)
