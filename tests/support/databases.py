"""A fresh, empty database per test: an SQLite file, or a PostgreSQL schema of its own."""

import os
import secrets

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


def backend():
    return "postgresql" if POSTGRES_URL.startswith("postgresql") else "sqlite"


_reachable = None


def require_postgres():
    """Skip (or, in CI, fail) when the PostgreSQL named by TEST_DATABASE_URL does not answer."""
    global _reachable
    if _reachable is None:
        try:
            engine = sa.create_engine(POSTGRES_URL)
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
            _reachable = ""
        except sa.exc.OperationalError as exc:
            where = make_url(POSTGRES_URL).render_as_string()
            _reachable = f"PostgreSQL at {where} does not answer: {exc.orig}"
    if _reachable:
        if IN_CI:
            pytest.fail(f"CI must run the PostgreSQL suite: {_reachable}", pytrace=False)
        pytest.skip(_reachable)


class FreshDatabase:
    """One empty database; .url is what DATABASE_URL would be set to."""

    def __init__(self, tmp_path):
        if backend() == "postgresql":
            require_postgres()
            self.schema = "t_" + secrets.token_hex(6)
            self._admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with self._admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = make_url(POSTGRES_URL).update_query_dict(
                {"options": f"-csearch_path={self.schema}"}
            ).render_as_string(hide_password=False)
        else:
            self.schema = None
            self.url = f"sqlite:///{tmp_path / 'licensing.db'}"

    def drop(self):
        if self.schema:
            with self._admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self._admin.dispose()
