"""The private key, tokens and passwords never appear in a response, a log line or the database."""

import hashlib
import hmac
import logging

import pytest
import requests
import sqlalchemy as sa

from licensing import auth as auth_module
from licensing.auth import create_token
from licensing.signing import private_pem, public_pem
from licensing.users import check_credentials, create_user
from tests.support import unique_email
from tests.support.live import serving

PASSWORD = "correct horse battery staple 7"
WRONG_TOKEN = "lic_" + "W" * 43
WRONG_PASSWORD = "not the password 8861"


def license_body():
    return {"email": unique_email("secrets"), "organization": "Acme", "contactName": "Sam",
            "sku": "E20", "users": 3, "expiresAt": "2030-01-01"}


def key_lines(signing_key):
    """The base64 lines of the private key PEM: any one of them in a log is a leak."""
    return [line.decode() for line in signing_key.read_bytes().splitlines()[1:-1]]


@pytest.fixture(scope="module")
def logged_server(tmp_path_factory, signing_key):
    """A server logging as much as gunicorn can: access log and debug level, as `make serve`."""
    verbose = {"GUNICORN_CMD_ARGS": "--access-logfile - --error-logfile - --log-level debug"}
    with serving(tmp_path_factory, signing_key, "live-logged", workers=1, env=verbose) as server:
        yield server


def test_live_server_never_logs_or_answers_with_a_secret(logged_server, signing_key):
    server = logged_server
    created = server.flask("tokens", "create", "secret-probe")
    token = created.stdout.strip().splitlines()[-1]
    assert token not in created.stderr
    user = server.flask("users", "create", "boss@acme.example", input=PASSWORD + "\n")
    assert PASSWORD not in user.stdout + user.stderr

    http, url = server.session(token), server.url + "/api/v1"
    answers = [
        http.post(url + "/license", json=license_body(), headers={"Idempotency-Key": "k-1"}),
        http.post(url + "/license", json={**license_body(), "users": "x"}),
        http.get(url + "/customers", params={"email": "nobody@acme.example"}),
        http.get(url + "/signing-key.pem"),
        requests.get(url + "/customers", headers={"Authorization": f"Bearer {WRONG_TOKEN}"},
                     timeout=10),
        requests.get(url + "/customers", auth=("boss@acme.example", WRONG_PASSWORD), timeout=10),
        requests.post(url + "/license", json=license_body(), timeout=10,
                      headers={"Authorization": f"Token {WRONG_TOKEN}"}),
    ]
    license_id = answers[0].json()["id"]
    answers += [http.get(f"{url}/licenses/{license_id}"),
                http.get(f"{url}/licenses/{license_id}/file")]
    server.flask("tokens", "revoke", "secret-probe")
    answers.append(http.get(url + "/customers", params={"email": "x@acme.example"}))
    assert [a.status_code for a in answers] == [201, 422, 200, 200, 401, 401, 401, 200, 200, 401]
    listed = server.flask("tokens", "list")
    trail = server.flask("audit")

    secrets = [token, token.removeprefix("lic_"), PASSWORD, WRONG_TOKEN, WRONG_PASSWORD,
               *key_lines(signing_key)]
    log = server.log.read_text()
    assert "GET /api/v1/customers" in log, "the access log was not captured"
    for secret in secrets:
        assert secret not in log, f"a secret is in the server log: {secret[:12]}..."
        for answer in answers:
            assert secret not in answer.text
        assert secret not in listed.stdout + listed.stderr + trail.stdout + trail.stderr


def test_in_process_logs_at_debug_with_sql_echo_hold_no_secret(app, client, db, caplog,
                                                               signing_key):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # every statement and parameter
    token, _record = create_token("caplog")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/license", json=license_body(), headers=headers).status_code == 201
    assert client.get("/api/v1/customers/" + "a" * 26, headers=headers).status_code == 404
    assert client.get("/api/v1/health",
                      headers={"Authorization": f"Bearer {WRONG_TOKEN}"}).status_code == 200
    assert client.get("/api/v1/signing-key.pem",
                      headers={"Authorization": f"Bearer {WRONG_TOKEN}"}).status_code == 401
    create_user("boss@acme.example", PASSWORD)
    db.session.commit()
    assert check_credentials("boss@acme.example", WRONG_PASSWORD) is None
    assert check_credentials("boss@acme.example", PASSWORD) is not None
    assert "INSERT INTO api_tokens" in caplog.text, "SQL logging was not captured"
    for secret in [token, PASSWORD, WRONG_TOKEN, WRONG_PASSWORD, *key_lines(signing_key)]:
        assert secret not in caplog.text, f"a secret is in the log: {secret[:12]}..."


def test_tokens_are_stored_only_as_their_sha256(app, db, runner):
    plain = runner.invoke(args=["tokens", "create", "stored"]).stdout.strip().splitlines()[-1]
    user_result = runner.invoke(args=["users", "create", "boss@acme.example"],
                                input=PASSWORD + "\n")
    assert user_result.exit_code == 0
    with db.engine.connect() as conn:
        everything = [
            str(value) for table in db.metadata.sorted_tables
            for row in conn.execute(sa.select(table)) for value in row
        ]
        stored = conn.execute(sa.text(
            "SELECT token_hash FROM api_tokens WHERE name = 'stored'")).scalar_one()
        password_hash = conn.execute(sa.text("SELECT password_hash FROM admin_users")).scalar_one()
    assert stored == hashlib.sha256(plain.encode()).hexdigest()
    for secret in (plain, plain.removeprefix("lic_"), PASSWORD):
        assert not any(secret in value for value in everything), "a secret is in the database"
    assert password_hash.startswith("scrypt:")


def test_tokens_are_long_random_and_prefixed(app, db):
    tokens = {create_token(f"t{n}")[0] for n in range(20)}
    assert len(tokens) == 20
    for token in tokens:
        assert token.startswith("lic_") and len(token) >= 4 + 43


def test_token_hashes_are_compared_in_constant_time(app, client, db, monkeypatch):
    compared, real = [], hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth_module.hmac, "compare_digest", spy)
    token, record = create_token("timing")
    db.session.commit()
    assert client.get("/api/v1/signing-key.pem",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert compared == [(record.token_hash, hashlib.sha256(token.encode()).hexdigest())]


def test_signing_key_pem_is_the_public_key(app, client, auth, signing_key):
    response = client.get("/api/v1/signing-key.pem", headers=auth)
    key = app.extensions["keys"].private_key()
    assert response.data.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert response.data == public_pem(key)
    assert b"PRIVATE" not in response.data
    assert not any(line.encode() in response.data for line in key_lines(signing_key))
    assert private_pem(key) not in response.data
