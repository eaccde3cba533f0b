"""Idempotency-Key rules that need no second worker: what a key may be, whose it is."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from licensing.auth import create_token
from licensing.ids import utcnow
from licensing.models import IdempotencyKey, License

BODY = {"email": "keys@acme.example", "organization": "Key Holders", "contactName": "Kay",
        "sku": "E10", "users": 10, "expiresAt": "2030-01-31"}


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("key", ["", "   ", "k" * 256, "new\x01line", "tab\tin", "café"],
                         ids=["empty", "blank", "256-chars", "control", "tab", "non-ascii"])
def test_invalid_idempotency_key_is_422_and_issues_nothing(client, auth, db, key):
    response = client.post("/api/v1/license", json=BODY,
                           headers={**auth, "Idempotency-Key": key})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["Idempotency-Key"]
    assert count(db, License) == count(db, IdempotencyKey) == 0


@pytest.mark.parametrize("key", ["".join(chr(0x21 + i % 94) for i in range(255)),
                                 "order 2026/12 #7"], ids=["255-chars", "space-inside"])
def test_printable_ascii_key_is_accepted_and_replayed(client, auth, key):
    first = client.post("/api/v1/license", json=BODY, headers={**auth, "Idempotency-Key": key})
    again = client.post("/api/v1/license", json=BODY, headers={**auth, "Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_replay_answers_like_the_first_even_after_the_license_changed_hands(client, auth, db):
    """The stored answer is replayed as it was, not recomputed from today's rows."""
    headers = {**auth, "Idempotency-Key": "renewal-7"}
    first = client.post("/api/v1/license", json=BODY, headers=headers)
    client.post("/api/v1/license", json={**BODY, "users": 99}, headers=auth)
    again = client.post("/api/v1/license", json=BODY, headers=headers)
    assert again.get_json() == first.get_json()
    assert again.get_json()["resolution"] == "created"
    assert count(db, License) == 2


def test_same_key_from_another_token_is_another_request(client, auth, db):
    other, _record = create_token("second-portal")
    db.session.commit()
    mine = client.post("/api/v1/license", json=BODY, headers={**auth, "Idempotency-Key": "k1"})
    theirs = client.post("/api/v1/license", json={**BODY, "users": 11},
                         headers={"Authorization": f"Bearer {other}", "Idempotency-Key": "k1"})
    assert mine.status_code == theirs.status_code == 201
    assert theirs.get_json()["id"] != mine.get_json()["id"]
    assert count(db, IdempotencyKey) == 2


def stored_key(db, key, age):
    db.session.add(IdempotencyKey(credential="token:x", key=key, request_hash="0" * 64,
                                  response_status=201, response_body="{}",
                                  created_at=utcnow() - age))


def test_prune_forgets_keys_older_than_a_day_and_keeps_younger_ones(db, runner):
    stored_key(db, "old", timedelta(hours=24, minutes=1))
    stored_key(db, "young", timedelta(hours=23, minutes=59))
    db.session.commit()
    result = runner.invoke(args=["idempotency-keys", "prune"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 " in result.output
    assert db.session.scalars(sa.select(IdempotencyKey.key)).all() == ["young"]


def test_prune_refuses_to_keep_keys_less_than_24_hours(db, runner):
    stored_key(db, "recent", timedelta(hours=12))
    db.session.commit()
    result = runner.invoke(args=["idempotency-keys", "prune", "--older-than", "12"])
    assert result.exit_code != 0
    assert "24" in result.output
    assert count(db, IdempotencyKey) == 1
