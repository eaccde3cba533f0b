"""A multi-worker server shared by the contract modules that need real parallelism."""

import pytest

from tests.support.databases import FreshDatabase
from tests.support.live import LiveServer


@pytest.fixture(scope="session")
def busy_server(tmp_path_factory, signing_key):
    """Four gunicorn workers of four threads each, in production mode, as `make serve` runs.

    Session-scoped because four workers take a few seconds to boot; tests keep apart by
    using addresses and Idempotency-Keys of their own.
    """
    workdir = tmp_path_factory.mktemp("busy")
    fresh = FreshDatabase(workdir)
    server = LiveServer(workdir, fresh.url, signing_key, workers=4, threads=4,
                        env={"LICENSING_ENV": "production"}).start()
    yield server
    server.stop()
    fresh.drop()
