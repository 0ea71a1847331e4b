"""`python -m omnicanal.core.dbcheck URL`: exit 0 when a PostgreSQL server answers at URL."""

import sys

import dj_database_url
import psycopg


def answers(url: str) -> bool:
    config = dj_database_url.parse(url)
    try:
        with psycopg.connect(
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname=config.get("NAME") or None,
            connect_timeout=3,
        ) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


if __name__ == "__main__":
    sys.exit(0 if answers(sys.argv[1]) else 1)
