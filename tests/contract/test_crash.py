"""SIGKILL in the middle of a burst: what a client was told is stored, nothing half-written."""

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from tests.support import unique_email
from tests.support.burst import post_license
from tests.support.databases import FreshDatabase
from tests.support.live import LiveServer
from tests.support.verifier import verify_license_file

THREADS = 8
MAX_PER_THREAD = 40
KILL_AFTER = 12  # successes before the kill: the burst is well under way by then


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, signing_key):
    workdir = tmp_path_factory.mktemp("crash")
    fresh = FreshDatabase(workdir)
    server = LiveServer(workdir, fresh.url, signing_key, workers=2, threads=4).start()
    yield server
    server.stop()
    fresh.drop()


def request_body(i):
    # Every third request renews the first customer; the others create customers.
    email = "renewing@crash.example" if i % 3 == 0 else unique_email("crash")
    return {"email": email, "organization": "Crash Test", "contactName": "Dummy",
            "sku": "E10", "users": 5 + i, "expiresAt": "2031-01-31"}


def test_sigkill_mid_burst_loses_no_acknowledged_license(live_server):
    lock = threading.Lock()
    sent, answers = [], {}  # (key, body) in send order; key -> response or the error
    killed = threading.Event()

    def sender(thread):
        with requests.Session() as http:
            for n in range(MAX_PER_THREAD):
                body, key = request_body(thread * MAX_PER_THREAD + n), secrets.token_hex(8)
                with lock:
                    sent.append((key, body))
                try:
                    answers[key] = post_license(live_server, http, body,
                                                {"Idempotency-Key": key})
                except requests.RequestException as exc:  # refused, reset, or cut mid-body
                    answers[key] = exc
                    return
                with lock:
                    ok = sum(getattr(a, "status_code", 0) == 201 for a in answers.values())
                if ok >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    live_server.kill()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(sender, range(THREADS), timeout=120))

    assert killed.is_set()
    acknowledged = {k: a for k, a in answers.items() if getattr(a, "status_code", 0) == 201}
    lost = [k for k, a in answers.items() if isinstance(a, Exception)]
    assert all(getattr(a, "status_code", 201) == 201 for a in answers.values())
    assert len(acknowledged) >= KILL_AFTER and lost, "the kill did not land mid-burst"

    live_server.start()
    http = live_server.session()
    pem = http.get(live_server.url + "/api/v1/signing-key.pem", timeout=30).content
    for key, answer in acknowledged.items():
        first = answer.json()
        stored = http.get(live_server.url + f"/api/v1/licenses/{first['id']}", timeout=30)
        assert stored.status_code == 200, (key, stored.text)
        assert stored.json()["license"] == first["license"]
        assert verify_license_file(first["license"], pem)["id"] == first["id"]

    # A client retrying what it never heard back about gets one license per request, not two.
    bodies = dict(sent)
    for key in lost:
        retried = post_license(live_server, http, bodies[key], {"Idempotency-Key": key})
        assert retried.status_code == 201, retried.text
    engine = sa.create_engine(live_server.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            orphans = conn.execute(sa.text(
                "SELECT count(*) FROM customers c WHERE NOT EXISTS"
                " (SELECT 1 FROM licenses l WHERE l.customer_id = c.id)")).scalar()
            licenses = conn.execute(sa.text("SELECT id, file FROM licenses")).all()
            keys = conn.execute(sa.text(
                "SELECT count(*) FROM idempotency_keys WHERE response_status = 201")).scalar()
    finally:
        engine.dispose()
    assert orphans == 0
    assert len(licenses) == keys == len(acknowledged) + len(lost)
    for license_id, text in licenses:
        assert verify_license_file(text, pem)["id"] == license_id
