"""Which database the suite runs on, and what happens when PostgreSQL does not answer."""

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_database_fixture_is_empty_and_private(database):
    engine = sa.create_engine(database.url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def run_suite_on(url, ci):
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["TEST_DATABASE_URL"] = url
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # schemathesis and hypothesis load slowly
    if ci:
        env["CI"] = "true"
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         f"{__file__}::test_database_fixture_is_empty_and_private"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_unreachable_postgres_skips_locally_and_fails_in_ci():
    nobody = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    local, ci = run_suite_on(nobody, ci=False), run_suite_on(nobody, ci=True)
    local_out, _ = local.communicate(timeout=120)
    ci_out, _ = ci.communicate(timeout=120)

    assert local.returncode == 0, local_out
    assert "1 skipped" in local_out and "does not answer" in local_out
    assert ci.returncode == 1, ci_out
    assert "CI must run the PostgreSQL suite" in ci_out and "1 error" in ci_out
