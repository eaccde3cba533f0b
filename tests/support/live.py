"""A real server process (gunicorn, the production command) on a free port, for contract tests."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.databases import FreshDatabase

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """gunicorn serving wsgi:app against its own database, instance folder and signing key."""

    def __init__(self, workdir, database_url, signing_key, workers=2, threads=4, env=None):
        self.workdir = Path(workdir)
        self.instance = self.workdir / "instance"
        self.instance.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "LICENSE_SIGNING_KEY": str(signing_key),
            "SECRET_KEY": "test-secret-" + self.workdir.name,
            "LICENSING_INSTANCE_PATH": str(self.instance),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log = self.workdir / "server.log"
        self.flask("db", "upgrade")
        created = self.flask("tokens", "create", "contract-tests")
        self.token = created.stdout.strip().splitlines()[-1]

    def flask(self, *args, input=None, check=True):
        """Run a `flask --app wsgi` command against this server's settings."""
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, input=input, timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result

    def start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", str(self.workers), "--threads",
                 str(self.threads), "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "2",
                 "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited:\n{self.log.read_text()}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"server did not answer in 30 s:\n{self.log.read_text()}")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=15)
        self.process = None

    def kill(self):
        """SIGKILL the whole process group: master and workers, no clean-up."""
        self.stop(signal.SIGKILL)

    def session(self, token=None):
        """A requests session that sends this server's token (or the one given)."""
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token or self.token}"
        return http


@contextmanager
def serving(tmp_path_factory, signing_key, name="live", **options):
    """A started LiveServer on a fresh database of its own; stopped and dropped afterwards."""
    workdir = tmp_path_factory.mktemp(name)
    fresh = FreshDatabase(workdir)
    server = LiveServer(workdir, fresh.url, signing_key, **options)
    try:
        yield server.start()
    finally:
        server.stop()
        fresh.drop()
