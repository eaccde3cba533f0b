"""The service under test: gunicorn serving wsgi:app, as in production, on a free local port."""

import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOOKS = Path(__file__).with_name("gunicorn_ready.py")
PR_SET_PDEATHSIG = 1


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """In the child before exec: if the benchmark dies, even by SIGKILL, gunicorn is stopped."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class Server:
    """gunicorn --workers W --threads T wsgi:app; stopped (with its workers) by stop().

    The sync worker of the Makefile's `serve` closes every connection after one request. The
    benchmark runs the threaded worker, which keeps connections alive (as the contract tests'
    live server does); with --threads 1 it handles one request at a time, as the sync worker.
    """

    def __init__(self, env, workdir, workers, threads):
        self.env, self.workers, self.threads = env, workers, threads
        self.workdir = Path(workdir)
        self.port = free_port()
        self.host = "127.0.0.1"
        self.process = None
        self.log_path = self.workdir / f"gunicorn-{self.port}.log"
        self.ready_dir = Path(tempfile.mkdtemp(prefix="ready-", dir=self.workdir))

    def start(self, timeout=90):
        """Start gunicorn and wait until every worker has loaded the app and /health answers."""
        command = [
            str(BIN / "gunicorn"), "--workers", str(self.workers), "--threads", str(self.threads),
            "--worker-class", "gthread",  # what --threads above 1 selects; keeps connections alive
            "--bind", f"{self.host}:{self.port}", "--access-logfile", str(self.log_path),
            "--error-logfile", str(self.log_path), "--graceful-timeout", "2",
            "--config", str(HOOKS), "wsgi:app",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, "BENCH_READY_DIR": str(self.ready_dir)},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail()}")
            if len(self.worker_pids()) >= self.workers and self._healthy():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn was not ready in {timeout} s:\n{self.log_tail()}")

    def _healthy(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
        try:
            conn.request("GET", "/api/v1/health")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def worker_pids(self):
        """The pids of workers that have loaded the app and are still running."""
        pids = []
        for name in os.listdir(self.ready_dir):
            if os.path.exists(f"/proc/{name}"):
                pids.append(int(name))
        return sorted(pids)

    def peak_rss_mb(self):
        """The largest peak resident set (VmHWM) among the workers, in MiB."""
        peaks = [_vm_hwm_kib(pid) for pid in self.worker_pids()]
        return max((kib for kib in peaks if kib is not None), default=0) / 1024

    def stop(self):
        """SIGTERM the process group (master and workers), SIGKILL whatever is left of it."""
        if self.process is None:
            return
        group = self.process.pid
        _signal_group(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _signal_group(group, signal.SIGKILL)
            self.process.wait(timeout=15)
        _signal_group(group, signal.SIGKILL)  # a worker that outlived its master
        self.process = None

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _signal_group(group, sig):
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass


def _vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
