"""The insert race on one email, driven inside one process with a second connection."""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from licensing import resolver
from licensing.database import violates
from licensing.ids import new_id, utcnow
from licensing.models import Customer, License
from licensing.schemas import LicenseRequestSchema
from tests.support.databases import backend

EMAIL = "race@acme.example"
BODY = {"email": "Race@ACME.example", "organization": "Loser Ltd", "contactName": "Lou Ser",
        "sku": "E10", "users": 10, "expiresAt": "2030-01-31"}


def winner_row():
    return {"id": new_id(), "email": "RACE@acme.example", "email_normalized": EMAIL,
            "organization": "Winner Ltd", "contact_name": "Win Ner", "created_at": utcnow()}


@pytest.fixture
def other(database):
    """A second connection pool on the same database, as another worker would have."""
    engine = sa.create_engine(database.url, connect_args=(
        {"timeout": 0.2} if backend() == "sqlite" else {}))
    yield engine
    engine.dispose()


def insert_between_read_and_write(monkeypatch, competing_insert):
    """Run competing_insert() right after the resolver's first read finds no customer."""
    real_find = resolver.find_by_email
    calls = []

    def find_then_compete(normalized):
        found = real_find(normalized)
        if not calls:
            calls.append(found)
            competing_insert()
        return found

    monkeypatch.setattr(resolver, "find_by_email", find_then_compete)
    return calls


def stored(db):
    customers = db.session.scalars(
        sa.select(Customer).where(Customer.email_normalized == EMAIL)).all()
    licenses = db.session.scalars(sa.select(License)).all()
    return customers, licenses


@pytest.mark.skipif(backend() != "postgresql", reason="SQLite's write lock closes this window;"
                    " see test_sqlite_write_lock_keeps_a_competing_insert_out")
def test_resolver_binds_to_customer_committed_between_its_read_and_insert(
        client, auth, db, other, monkeypatch):
    winner = winner_row()

    def compete():
        with other.begin() as conn:
            conn.execute(sa.insert(Customer.__table__).values(winner))

    calls = insert_between_read_and_write(monkeypatch, compete)
    response = client.post("/api/v1/license", json=BODY, headers=auth)

    assert calls == [None]
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["customer"]["id"] == winner["id"]
    assert body["customer"]["organization"] == "Winner Ltd"
    assert body["resolution"] == "email"
    assert body["warnings"][0]["fields"] == ["organization", "contactName"]
    customers, licenses = stored(db)
    assert [c.id for c in customers] == [winner["id"]]
    assert [(lic.id, lic.customer_id) for lic in licenses] == [(body["id"], winner["id"])]


@pytest.mark.skipif(backend() != "postgresql", reason="SQLite's write lock closes this window")
def test_resolver_waits_for_an_insert_in_flight_and_binds_to_it(
        client, auth, db, other, monkeypatch):
    """The competitor has inserted but not committed: our insert blocks on it, then loses."""
    winner = winner_row()
    committed, blocked = threading.Event(), []

    def compete():
        conn = other.connect()
        conn.begin()
        conn.execute(sa.insert(Customer.__table__).values(winner))

        def commit_once_blocking():
            # Commit only once the resolver's insert is waiting on our row lock.
            for _ in range(250):
                if conn.execute(sa.text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")).scalar():
                    blocked.append(True)
                    break
                threading.Event().wait(0.02)
            conn.commit()
            conn.close()
            committed.set()

        threading.Thread(target=commit_once_blocking).start()

    insert_between_read_and_write(monkeypatch, compete)
    response = client.post("/api/v1/license", json=BODY, headers=auth)

    assert committed.wait(10) and blocked == [True]
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["customer"]["id"] == winner["id"]
    customers, licenses = stored(db)
    assert len(customers) == 1 and [lic.customer_id for lic in licenses] == [winner["id"]]


@pytest.mark.skipif(backend() != "sqlite", reason="PostgreSQL has no database-wide write lock")
def test_sqlite_write_lock_keeps_a_competing_insert_out(client, auth, db, other, monkeypatch):
    """On SQLite the resolver reads inside BEGIN IMMEDIATE: no one can insert until it commits."""
    winner = winner_row()
    outcome = []

    def compete():
        try:
            with other.begin() as conn:
                conn.execute(sa.insert(Customer.__table__).values(winner))
        except OperationalError as exc:
            outcome.append(str(exc.orig))

    insert_between_read_and_write(monkeypatch, compete)
    response = client.post("/api/v1/license", json=BODY, headers=auth)

    assert outcome == ["database is locked"]
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["resolution"] == "created"
    # The competitor, trying again once the lock is free, loses on the unique index.
    with pytest.raises(IntegrityError) as lost, other.begin() as conn:
        conn.execute(sa.insert(Customer.__table__).values(winner))
    assert violates(lost.value, Customer.EMAIL_CONSTRAINT)
    customers, licenses = stored(db)
    assert [c.id for c in customers] == [body["customer"]["id"]]
    assert [lic.customer_id for lic in licenses] == [body["customer"]["id"]]


def test_violates_names_only_the_constraint_that_was_broken(db):
    customers = Customer.__table__
    row = winner_row()
    db.session.execute(sa.insert(customers).values(row))
    db.session.commit()
    with pytest.raises(IntegrityError) as duplicate:
        db.session.execute(sa.insert(customers).values({**row, "id": new_id()}))
    db.session.rollback()
    assert violates(duplicate.value, "uq_customers_email_normalized")
    assert not violates(duplicate.value, "pk_customers")
    assert not violates(duplicate.value, "uq_admin_users_email_normalized")

    with pytest.raises(IntegrityError) as same_id:
        db.session.execute(sa.insert(customers).values(
            {**row, "email_normalized": "other@acme.example"}))
    db.session.rollback()
    assert violates(same_id.value, "pk_customers")
    assert not violates(same_id.value, "uq_customers_email_normalized")


def test_a_lost_race_leaves_the_session_usable(app, db, monkeypatch):
    """The savepoint takes back only the failed insert: earlier work in the transaction stays."""
    winner = winner_row()
    db.session.execute(sa.insert(Customer.__table__).values(winner))
    db.session.commit()
    kept = Customer(email="kept@acme.example", email_normalized="kept@acme.example",
                    organization="Kept", contact_name="K")
    db.session.add(kept)
    db.session.flush()
    # The first read misses the winner, as a read made just before its commit would.
    real_find, misses = resolver.find_by_email, [None]
    monkeypatch.setattr(resolver, "find_by_email",
                        lambda normalized: misses.pop() if misses else real_find(normalized))

    with app.test_request_context():
        customer, resolution, _warnings = resolver.resolve_customer(
            LicenseRequestSchema().load(BODY))
    db.session.commit()

    assert (customer.id, resolution) == (winner["id"], "email")
    emails = db.session.scalars(sa.select(Customer.email_normalized)).all()
    assert sorted(emails) == ["kept@acme.example", EMAIL]
