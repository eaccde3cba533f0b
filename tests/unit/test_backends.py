"""Which database the suite runs on, and what happens when PostgreSQL does not answer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support import databases
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def nobody():
    """A PostgreSQL URL where nothing listens."""
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"


def test_database_fixture_is_empty_and_private(database):
    engine = sa.create_engine(database.url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.fixture
def unreachable(monkeypatch):
    monkeypatch.setattr(databases, "POSTGRES_URL", nobody())
    monkeypatch.setattr(databases, "_reachable", None)
    return monkeypatch


def test_unreachable_postgres_skips_with_the_reason_outside_ci(unreachable):
    unreachable.setattr(databases, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="does not answer: connection failed"):
        databases.require_postgres()


def test_unreachable_postgres_fails_under_ci(unreachable):
    unreachable.setattr(databases, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI must run the PostgreSQL suite"):
        databases.require_postgres()


def test_ci_run_against_unreachable_postgres_exits_with_failure():
    """As CI runs it: CI=true and a TEST_DATABASE_URL that does not answer is a red build."""
    env = {**os.environ, "CI": "true", "TEST_DATABASE_URL": nobody(),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # schemathesis and hypothesis load slowly
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"{__file__}::test_database_fixture_is_empty_and_private"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout
    assert "CI must run the PostgreSQL suite" in result.stdout and "1 error" in result.stdout
