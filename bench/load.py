"""The load process: several keep-alive HTTP clients, one thread each, timing every request.

It runs in a child process of its own (multiprocessing, spawned), so the clients never share an
interpreter with the benchmark. A request counts when it starts after the warm-up and before the
end of the measured window; a client reconnects every RECONNECT_EVERY requests, as real clients'
connections come and go, so no worker keeps a share of the clients that chance gave it at start.
"""

import http.client
import json
import multiprocessing
import random
import secrets
import signal
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from . import data

RECONNECT_EVERY = 200
MISSING_SHARE = 0.5


@dataclass
class Load:
    host: str
    port: int
    token: str
    kind: str  # "lookup", "issue-existing" or "issue-new"
    customers: int  # seeded customers 1..customers-1 exist (0, the veteran, is left out)
    clients: int = 4
    seconds: float = 10.0
    warmup: float = 2.0
    seed: int = field(default_factory=lambda: secrets.randbits(32))


@dataclass
class Measured:
    kind: str
    requests: int
    seconds: float
    latencies: list  # seconds, sorted
    errors: int
    error_samples: list

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p):
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        rank = max(1, -(-len(self.latencies) * p // 100))
        return self.latencies[int(rank) - 1] * 1000


def measure(load):
    """Run load in a child process and return what it measured."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(load, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(load.warmup + load.seconds + 120):
            raise RuntimeError(f"the load process for {load.kind} did not answer")
        result = receiver.recv()
    except EOFError:
        raise RuntimeError(f"the load process for {load.kind} died") from None
    except BaseException:  # interrupted: the clients stop now, not at the end of their phase
        child.terminate()
        raise
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()
            child.join(10)
    if isinstance(result, BaseException):
        raise RuntimeError(f"the load process failed: {result!r}")
    return result


def _child(load, sender):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the benchmark decides when to stop
    try:
        sender.send(_run(load))
    except Exception as exc:  # sent to the parent, which raises it
        sender.send(exc)
    finally:
        sender.close()


def _run(load):
    start = time.perf_counter() + 0.2  # every thread begins together
    window = (start + load.warmup, start + load.warmup + load.seconds)
    clients = [_Client(load, n, window) for n in range(load.clients)]
    threads = [threading.Thread(target=client.run, args=(start,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(load.warmup + load.seconds + 60)
    latencies = sorted(t for client in clients for t in client.latencies)
    return Measured(
        kind=load.kind, requests=len(latencies), seconds=load.seconds, latencies=latencies,
        errors=sum(client.errors for client in clients),
        error_samples=[s for client in clients for s in client.error_samples][:5],
    )


class _Client:
    def __init__(self, load, number, window):
        self.load, self.window = load, window
        self.random = random.Random(load.seed * 1000 + number)
        self.tag = f"{load.seed:x}-{number}"
        self.latencies, self.errors, self.error_samples = [], 0, []
        self.headers = {"Authorization": f"Bearer {load.token}", "Accept": "application/json"}
        self.sent = self.created = 0
        self.next_request = {
            "lookup": self._lookup, "issue-existing": self._issue_existing,
            "issue-new": self._issue_new,
        }[load.kind]

    def run(self, start):
        time.sleep(max(0.0, start - time.perf_counter()))
        conn = None
        measured_from, until = self.window
        while True:
            method, path, body, expect = self.next_request()
            began = time.perf_counter()
            if began >= until:
                break
            if conn is None or self.sent % RECONNECT_EVERY == 0:
                if conn is not None:
                    conn.close()
                conn = http.client.HTTPConnection(self.load.host, self.load.port, timeout=30)
            self.sent += 1
            try:
                conn.request(method, path, body=body, headers=self._headers(body))
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == expect[0] and expect[1] in payload
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                ok, payload = False, repr(exc).encode()
                conn.close()
                conn = None
            ended = time.perf_counter()
            if began >= measured_from:
                if ok:
                    self.latencies.append(ended - began)
                else:
                    self.errors += 1
                    if len(self.error_samples) < 3:
                        self.error_samples.append(f"{method} {path}: {payload[:300]!r}")
        if conn is not None:
            conn.close()

    def _headers(self, body):
        if body is None:
            return self.headers
        return {**self.headers, "Content-Type": "application/json"}

    def _existing(self):
        return self.random.randrange(1, self.load.customers)

    def _lookup(self):
        if self.random.random() < MISSING_SHARE:
            email, expect = data.missing_email(self.random.randrange(10**9)), b'"customers":[]'
        else:
            email, expect = data.customer(self._existing())[0], b'"licenses":'
        return "GET", "/api/v1/customers?email=" + quote(email), None, (200, expect)

    def _issue_existing(self):
        email, _normalized, organization, contact = data.customer(self._existing())
        return "POST", "/api/v1/license", _license_body(email, organization, contact), (
            201, b'"resolution":"email"')

    def _issue_new(self):
        self.created += 1
        email = data.new_email(self.tag, self.created)
        return "POST", "/api/v1/license", _license_body(email, "Newco Ltd", "Nia New"), (
            201, b'"resolution":"created"')


def _license_body(email, organization, contact):
    """The legacy portal payload: every field a portal client sends."""
    return json.dumps({
        "email": email, "organization": organization, "contactName": contact, "sku": "E20",
        "users": 250, "isTrial": False, "startsAt": "2027-01-01", "expiresAt": "2027-12-31",
    }).encode()
