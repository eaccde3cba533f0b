"""One run's world: a temp dir with the signing key, the instance folder and the database."""

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from licensing.signing import load_private_key, write_private_key

from .server import BIN, ROOT


class Workspace:
    """SQLite in the temp dir, or, when DATABASE_URL names PostgreSQL, a schema of our own there.

    close() removes all of it (the schema too), unless keep is set.
    """

    def __init__(self, database_url=None, keep=False):
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="licensing-bench-"))
        self.instance = self.dir / "instance"
        self.instance.mkdir()
        self.key_path = self.dir / "signing-key.pem"
        write_private_key(str(self.key_path))
        self.private_key = load_private_key(str(self.key_path))
        self.schema = None
        self._admin = None
        if database_url and database_url.startswith("postgresql"):
            self.schema = "bench_" + secrets.token_hex(4)
            self._admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
            with self._admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = make_url(database_url).update_query_dict(
                {"options": f"-csearch_path={self.schema}"}
            ).render_as_string(hide_password=False)
        else:
            self.url = f"sqlite:///{self.dir / 'licensing.db'}"
        self.backend = make_url(self.url).get_backend_name()
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "LICENSE_SIGNING_KEY": str(self.key_path),
            "SECRET_KEY": secrets.token_hex(32),
            "LICENSING_INSTANCE_PATH": str(self.instance),
            "LICENSING_ENV": "production",
            "PYTHONUNBUFFERED": "1",
        }

    def flask(self, *args):
        """Run `flask --app wsgi ARGS` against this workspace, as an operator would."""
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def close(self):
        if self.keep:
            return
        if self._admin is not None:
            with self._admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self._admin.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)
