"""One benchmark run: prepare, seed, and measure each figure in turn."""

import os
import sys
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from licensing.signing import encode_payload

from .load import Load, measure
from .seed import Seeder, sample_payload
from .server import Server
from .statements import count_statements
from .workspace import Workspace

SMALL = 1_000


@dataclass
class Settings:
    customers: int = 1_000_000
    workers: int = len(os.sched_getaffinity(0))
    threads: int = 4
    clients: int = 4
    seconds: float = 10.0
    warmup: float = 2.0
    keep: bool = False


def say(message):
    print(message, file=sys.stderr, flush=True)


def signing_rate(private_key, seconds=1.0, rounds=3):
    """RSA-2048 PKCS#1 v1.5 SHA-512 signatures per second on one core: the best of rounds."""
    payload = encode_payload(sample_payload())
    best = 0.0
    for _ in range(rounds):
        count, began = 0, time.perf_counter()
        while (now := time.perf_counter()) - began < seconds:
            private_key.sign(payload, padding.PKCS1v15(), hashes.SHA512())
            count += 1
        best = max(best, count / (now - began))
    return best


class Run:
    def __init__(self, settings):
        self.settings = settings
        self.results = {}
        self.phases = {}
        self.peak_rss_mb = 0.0

    def __call__(self):
        s = self.settings
        began = time.perf_counter()
        workspace = Workspace(os.environ.get("DATABASE_URL"), keep=s.keep)
        try:
            say(f"workspace {workspace.dir} ({workspace.backend}); migrating, making a token")
            workspace.flask("db", "upgrade")
            self.token = workspace.flask("tokens", "create", "bench").strip().splitlines()[-1]
            os.environ.update(workspace.env)  # the in-process app sees what the servers see
            self.workspace = workspace
            self._measure(workspace)
        finally:
            workspace.close()
            if s.keep:
                say(f"kept {workspace.dir}")
        self.results["elapsed_s"] = round(time.perf_counter() - began, 1)
        return self.results

    def _measure(self, workspace):
        s, r = self.settings, self.results
        sign_rates = [signing_rate(workspace.private_key)]
        say(f"signing: {sign_rates[0]:,.0f} signatures/s on one core")
        seeder = Seeder(workspace.url, workspace.private_key)
        seeded = [seeder.seed(0, SMALL, f"seeding {SMALL:,}")]
        with self._server(s.workers) as server:
            self._phase(server, "lookup", SMALL, "lookup_small")
        seeded.append(seeder.seed(SMALL, s.customers, f"seeding {s.customers:,}"))
        r["statements"] = count_statements(self.token, s.customers)
        with self._server(s.workers) as server:
            self._phase(server, "lookup", s.customers, "lookup_large")
            self._phase(server, "issue-existing", s.customers, "issue_all_existing")
            self._phase(server, "issue-new", s.customers, "issue_all_new")
        sign_rates.append(signing_rate(workspace.private_key))
        with self._server(1) as server:
            self._phase(server, "issue-existing", s.customers, "issue_one_existing")
            self._phase(server, "issue-new", s.customers, "issue_one_new")
        self._collect(seeded, max(sign_rates))

    def _server(self, workers):
        say(f"starting gunicorn: {workers} worker(s) x {self.settings.threads} threads")
        return _Tracked(self, Server(self.workspace.env, self.workspace.dir, workers,
                                     self.settings.threads))

    def _phase(self, server, kind, customers, name):
        s = self.settings
        say(f"  {name}: {s.clients} clients, {s.warmup:g} s warm-up + {s.seconds:g} s")
        measured = measure(Load(server.host, server.port, self.token, kind, customers,
                                clients=s.clients, seconds=s.seconds, warmup=s.warmup))
        self.phases[name] = measured
        say(f"    {measured.rps:,.0f} requests/s, p50 {measured.percentile_ms(50):.2f} ms,"
            f" p99 {measured.percentile_ms(99):.2f} ms, {measured.errors} errors")
        for sample in measured.error_samples:
            say(f"    error: {sample}")

    def _collect(self, seeded, sign_per_s):
        s, r, p = self.settings, self.results, self.phases
        customers = sum(part.customers for part in seeded)
        licenses = sum(part.licenses for part in seeded)
        seconds = sum(part.seconds for part in seeded)
        statements = r.pop("statements")
        one = min(p["issue_one_existing"].rps, p["issue_one_new"].rps)
        every = min(p["issue_all_existing"].rps, p["issue_all_new"].rps)
        small, large = p["lookup_small"], p["lookup_large"]
        r.update({
            "customers": customers,
            "licenses_seeded": licenses,
            "seed_customers_per_s": round(customers / seconds),
            "seed_rows_per_s": round((customers + licenses) / seconds),
            "lookup_p50_ms_small": round(small.percentile_ms(50), 3),
            "lookup_p99_ms_small": round(small.percentile_ms(99), 3),
            "lookup_rps_small": round(small.rps),
            "lookup_p50_ms_large": round(large.percentile_ms(50), 3),
            "lookup_p99_ms_large": round(large.percentile_ms(99), 3),
            "lookup_rps_large": round(large.rps),
            "lookup_p99_ratio": round(large.percentile_ms(99) / small.percentile_ms(99), 3),
            "issue_per_s_one_worker": round(one, 1),
            "issue_per_s_all_workers": round(every, 1),
            "issue_per_s_one_worker_existing": round(p["issue_one_existing"].rps, 1),
            "issue_per_s_one_worker_new": round(p["issue_one_new"].rps, 1),
            "issue_per_s_all_workers_existing": round(p["issue_all_existing"].rps, 1),
            "issue_per_s_all_workers_new": round(p["issue_all_new"].rps, 1),
            "issue_p99_ms_one_worker": round(max(p["issue_one_existing"].percentile_ms(99),
                                                 p["issue_one_new"].percentile_ms(99)), 3),
            "sign_per_s_one_core": round(sign_per_s, 1),
            "issue_to_sign_ratio": round(one / sign_per_s, 3),
            "worker_peak_rss_mb": round(self.peak_rss_mb, 1),
            "queries_per_lookup": max(n for k, n in statements.items() if k.startswith("lookup")),
            "queries_per_issue": max(n for k, n in statements.items() if k.startswith("issue:")),
            "queries_per_issue_idempotent": max(
                n for k, n in statements.items() if k.startswith("issue with")),
            "statements": statements,
            "errors": sum(m.errors for m in p.values()),
            "backend": self.workspace.backend,
            "settings": {"workers": s.workers, "threads": s.threads, "clients": s.clients,
                         "seconds": s.seconds, "warmup": s.warmup},
        })


class _Tracked:
    """A server that reports its workers' peak RSS to the run before it stops."""

    def __init__(self, run, server):
        self.run, self.server = run, server

    def __enter__(self):
        return self.server.start()

    def __exit__(self, *exc):
        try:
            self.run.peak_rss_mb = max(self.run.peak_rss_mb, self.server.peak_rss_mb())
        finally:
            self.server.stop()
