"""Django's PostgreSQL backend, its transaction's edges done through libpq (core.libpq).

Everything is Django's but turning autocommit off and on and the COMMIT of atomic(): psycopg runs
each through its generator-and-wait machinery, which costs more client CPU than the hot reservation's
own statement (issue 23: ~1/5 of `do_reserve`'s client CPU inside a caller's transaction, on a box
where the clients and the database share two cores). When psycopg's state is not the plain one
(a pipeline, a two-phase transaction, a psycopg transaction() block), or queries are being logged,
it is psycopg's own way, as before.
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from omnicanal.core import libpq


class DatabaseWrapper(base.DatabaseWrapper):
    def _set_autocommit(self, autocommit: bool) -> None:
        with self.wrap_database_errors:
            if libpq.set_autocommit(self.connection, autocommit):
                return
        super()._set_autocommit(autocommit)  # type: ignore[misc]  # Django's, not in the stubs

    def _commit(self) -> None:
        if self.connection is not None and not self.queries_logged:
            with self.wrap_database_errors:
                if libpq.commit(self.connection):
                    return
        super()._commit()  # type: ignore[misc]  # Django's, not in the stubs
