"""SIGKILL in the middle of a burst: what a client was told is stored, nothing half-written."""

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa

from tests.support import unique_email
from tests.support.burst import post_license
from tests.support.verifier import verify_license_file

THREADS = 8
MAX_PER_THREAD = 40
KILL_AFTER = 12  # successes before the kill: the burst is well under way by then


def stored_for(server, emails, keys):
    """This test's licenses, the customers without any license, and its stored answers."""
    engine = sa.create_engine(server.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            licenses = conn.execute(sa.text(
                "SELECT l.id, l.file FROM licenses l JOIN customers c ON c.id = l.customer_id"
                " WHERE c.email_normalized IN :emails"
            ).bindparams(sa.bindparam("emails", expanding=True)), {"emails": emails}).all()
            orphans = conn.execute(sa.text(
                "SELECT count(*) FROM customers c WHERE NOT EXISTS"
                " (SELECT 1 FROM licenses l WHERE l.customer_id = c.id)")).scalar()
            answers = conn.execute(sa.text(
                "SELECT count(*) FROM idempotency_keys WHERE response_status = 201"
                " AND key IN :keys"
            ).bindparams(sa.bindparam("keys", expanding=True)), {"keys": keys}).scalar()
    finally:
        engine.dispose()
    return licenses, orphans, answers


def test_sigkill_mid_burst_loses_no_acknowledged_license(busy_server):
    """Kills the shared server and starts it again: later tests get the restarted server."""
    renewing = unique_email("renewing")  # every third request renews this one customer
    lock = threading.Lock()
    bodies, answers = {}, {}  # Idempotency-Key -> body sent; -> response, or the error
    killed = threading.Event()

    def sender(thread):
        with requests.Session() as http:
            for n in range(MAX_PER_THREAD):
                key = secrets.token_hex(8)
                email = renewing if n % 3 == 0 else unique_email("crash")
                body = {"email": email, "organization": "Crash Test", "contactName": "Dummy",
                        "sku": "E10", "users": 5 + thread, "expiresAt": "2031-01-31"}
                with lock:
                    bodies[key] = body
                try:
                    answers[key] = post_license(busy_server, http, body,
                                                {"Idempotency-Key": key})
                except requests.RequestException as exc:  # refused, reset, or cut mid-body
                    answers[key] = exc
                    return
                with lock:
                    ok = sum(getattr(a, "status_code", 0) == 201 for a in answers.values())
                if ok >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    busy_server.kill()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(sender, range(THREADS), timeout=120))

    assert killed.is_set()
    acknowledged = {k: a for k, a in answers.items() if getattr(a, "status_code", 0) == 201}
    lost = [k for k, a in answers.items() if isinstance(a, Exception)]
    assert all(getattr(a, "status_code", 201) == 201 for a in answers.values())
    assert len(acknowledged) >= KILL_AFTER and lost, "the kill did not land mid-burst"

    busy_server.start()
    http = busy_server.session()
    pem = http.get(busy_server.url + "/api/v1/signing-key.pem", timeout=30).content
    for key, answer in acknowledged.items():
        first = answer.json()
        stored = http.get(busy_server.url + f"/api/v1/licenses/{first['id']}", timeout=30)
        assert stored.status_code == 200, (key, stored.text)
        assert stored.json()["license"] == first["license"]
        assert verify_license_file(first["license"], pem)["id"] == first["id"]

    # A client retrying what it never heard back about gets one license per request, not two.
    for key in lost:
        retried = post_license(busy_server, http, bodies[key], {"Idempotency-Key": key})
        assert retried.status_code == 201, retried.text

    emails = sorted({body["email"] for body in bodies.values()})
    licenses, orphans, stored_answers = stored_for(busy_server, emails, list(bodies))
    assert orphans == 0
    assert len(licenses) == stored_answers == len(acknowledged) + len(lost)
    for license_id, text in licenses:
        assert verify_license_file(text, pem)["id"] == license_id
