"""Counting the SQL statements a piece of work sends; shared by the benchmark and the tests."""

from contextlib import contextmanager

from sqlalchemy import event

TRANSACTION_CONTROL = frozenset({"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"})


class StatementLog:
    """The statements sent through an engine's cursors while counting (an executemany is one)."""

    def __init__(self):
        self.statements = []

    def __len__(self):
        return len(self.statements)

    def __repr__(self):
        return "\n".join(f"{n}. {sql}" for n, sql in enumerate(self.statements, 1))


@contextmanager
def counting(engine):
    """Log every statement the engine sends until the block ends."""
    log = StatementLog()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        sql = " ".join(statement.split())
        # Transaction control is not a query: psycopg sends BEGIN unseen by this hook, and on
        # SQLite the service sends it itself (BEGIN IMMEDIATE for writes). SAVEPOINTs count.
        if sql not in TRANSACTION_CONTROL:
            log.statements.append(sql)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def count_request(client, engine, method, path, **kwargs):
    """Send one request through a Flask test client; return (response, statement log)."""
    with counting(engine) as log:
        response = client.open(path, method=method, **kwargs)
    return response, log
