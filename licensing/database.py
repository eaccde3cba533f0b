"""Backend details kept in one place: SQLite pragmas and locking, retries, constraint names."""

import contextvars
import logging
import random
import time
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from .extensions import db

log = logging.getLogger(__name__)

_immediate = contextvars.ContextVar("sqlite_immediate", default=False)
SQLITE_BUSY_TIMEOUT_MS = 5000
WRITE_ATTEMPTS = 8


def configure_engine(engine):
    """SQLite: WAL, a busy timeout, and BEGIN IMMEDIATE for write transactions."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Through SQLAlchemy, not the raw DBAPI connection, so that a BEGIN IMMEDIATE which
        # times out on the lock raises sqlalchemy's OperationalError, which write() retries.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def is_locked(exc):
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def violates(exc, constraint_name):
    """Whether an IntegrityError is the violation of this one named constraint."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:
        return diag.constraint_name == constraint_name
    # SQLite names the columns, not the constraint: map the name back to its columns.
    for table in db.metadata.tables.values():
        for constraint in table.constraints:
            if constraint.name == constraint_name:
                columns = ", ".join(f"{table.name}.{col.name}" for col in constraint.columns)
                return str(orig) == f"UNIQUE constraint failed: {columns}"
    return False


@contextmanager
def _immediate_mode():
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


def write(work):
    """Run work() in one write transaction and commit it; retry while SQLite is locked.

    Any earlier read transaction of the request is ended first, so on SQLite the write
    transaction starts with BEGIN IMMEDIATE and never has to upgrade a read lock.
    """
    db.session.commit()
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with _immediate_mode():
                result = work()
                db.session.commit()
            return result
        except OperationalError as exc:
            db.session.rollback()
            if not is_locked(exc) or attempt == WRITE_ATTEMPTS:
                raise
            log.info("database is locked, retrying (attempt %d)", attempt)
            time.sleep(random.uniform(0.01, 0.05) * attempt)
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")
