"""A multi-worker server shared by the contract modules that need real parallelism."""

import pytest

from tests.support.live import serving


@pytest.fixture(scope="session")
def busy_server(tmp_path_factory, signing_key):
    """Four gunicorn workers of four threads each, in production mode, as `make serve` runs.

    Session-scoped because four workers take a few seconds to boot; tests keep apart by
    using addresses and Idempotency-Keys of their own.
    """
    with serving(tmp_path_factory, signing_key, "busy", workers=4, threads=4,
                 env={"LICENSING_ENV": "production"}) as server:
        yield server
