"""One live server for the security modules: starting gunicorn costs seconds, and the log it
writes while fuzzed and probed is itself checked for secrets (test_secrets)."""

import pytest

from tests.support.live import serving


@pytest.fixture(scope="package")
def live_server(tmp_path_factory, signing_key):
    with serving(tmp_path_factory, signing_key, "live-security") as server:
        yield server
