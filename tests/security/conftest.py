"""One live server for the security modules: starting gunicorn costs seconds, and the log it
writes while fuzzed and probed is itself checked for secrets (test_secrets)."""

import pytest

from tests.support.databases import FreshDatabase
from tests.support.live import LiveServer


@pytest.fixture(scope="package")
def live_server(tmp_path_factory, signing_key):
    workdir = tmp_path_factory.mktemp("live-security")
    fresh = FreshDatabase(workdir)
    server = LiveServer(workdir, fresh.url, signing_key).start()
    yield server
    server.stop()
    fresh.drop()
