"""The schema comes from the migrations: they match the models and keep existing rows."""

import shutil
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from licensing import MIGRATIONS, create_app
from licensing.auth import create_token
from licensing.database import violates
from licensing.extensions import db as _db
from licensing.issuing import IDEMPOTENCY_CONSTRAINT
from licensing.models import Customer, IdempotencyKey, License

CUSTOMER = {"id": "c" * 26, "email": "Old@Acme.example", "email_normalized": "old@acme.example",
            "organization": "Old Acme", "contact_name": "Olga Old",
            "created_at": datetime(2024, 1, 2, 3, 4, 5, 678000)}
LICENSE = {"id": "l" * 26, "customer_id": "c" * 26, "sku": "E20", "users": 300,
           "is_trial": False, "issued_at": datetime(2024, 1, 2, 3, 4, 6),
           "starts_at": datetime(2024, 2, 1), "expires_at": datetime(2025, 1, 31, 23, 59, 59),
           "issued_by": "legacy-portal", "file": "AAAA"}


@pytest.fixture
def bare_app(database, signing_key, tmp_path, monkeypatch):
    """An app on an empty database: no create_all, the schema is whatever migrations make."""
    monkeypatch.setenv("LICENSING_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test", "LICENSE_SIGNING_KEY": str(signing_key),
        "SQLALCHEMY_DATABASE_URI": database.url,
    })
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


def schema_differences():
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": True})
        return compare_metadata(context, _db.metadata)


def tables():
    return set(sa.inspect(_db.engine).get_table_names()) - {"alembic_version"}


def rows(table):
    with _db.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.text(f"SELECT * FROM {table}"))]


def test_flask_db_upgrade_on_an_empty_database_matches_the_models(bare_app):
    result = bare_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert tables() == set(_db.metadata.tables)
    assert schema_differences() == []


KEY = {"credential": "token:x", "key": "k", "request_hash": "0" * 64, "response_status": 201,
       "response_body": "{}", "created_at": datetime(2024, 1, 1)}


@pytest.mark.parametrize(("model", "constraint", "row", "clash"), [
    (Customer, Customer.EMAIL_CONSTRAINT, CUSTOMER, {**CUSTOMER, "id": "d" * 26}),
    (IdempotencyKey, IDEMPOTENCY_CONSTRAINT, KEY, {**KEY, "request_hash": "1" * 64}),
], ids=["customer-email", "idempotency-key"])
def test_migrated_constraints_carry_the_names_the_code_recovers_by(bare_app, model, constraint,
                                                                   row, clash):
    """The resolver and the key claim recognise one violation by name: in a database made by
    the migrations (as in production), not only by create_all, the name must be that one."""
    upgrade()
    _db.session.execute(sa.insert(model.__table__).values(aware(row)))
    _db.session.commit()
    with pytest.raises(sa.exc.IntegrityError) as duplicate:
        _db.session.execute(sa.insert(model.__table__).values(aware(clash)))
    _db.session.rollback()
    assert violates(duplicate.value, constraint)


def test_upgrade_keeps_rows_written_at_the_first_revision(bare_app):
    upgrade(revision="0001")
    with _db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO customers (id, email, email_normalized, organization, contact_name,"
            " created_at) VALUES (:id, :email, :email_normalized, :organization,"
            " :contact_name, :created_at)"), CUSTOMER)
        conn.execute(sa.text(
            "INSERT INTO licenses (id, customer_id, sku, users, is_trial, issued_at, starts_at,"
            " expires_at, issued_by, file) VALUES (:id, :customer_id, :sku, :users, :is_trial,"
            " :issued_at, :starts_at, :expires_at, :issued_by, :file)"), LICENSE)

    upgrade()

    assert [_naive(row) for row in rows("customers")] == [CUSTOMER]
    assert [_naive(row) for row in rows("licenses")] == [{**LICENSE, "issued_from": ""}]
    # The service reads the old rows as its own.
    plain, _record = create_token("after-upgrade")
    _db.session.commit()
    response = bare_app.test_client().get(f"/api/v1/licenses/{LICENSE['id']}",
                                          headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["customer"]["email"] == "Old@Acme.example"
    assert (body["issuedAt"], body["expiresAt"]) == (
        "2024-01-02T03:04:06.000Z", "2025-01-31T23:59:59.000Z")
    # New rows still go in next to the old ones, and the unique index still holds.
    with pytest.raises(sa.exc.IntegrityError), _db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO customers (id, email, email_normalized, organization, contact_name,"
            " created_at) VALUES (:id, :email, :email_normalized, :organization,"
            " :contact_name, :created_at)"), {**CUSTOMER, "id": "d" * 26})


def test_downgrade_steps_back_with_rows_then_to_an_empty_database(bare_app):
    upgrade()
    plain, _record = create_token("before-downgrade")
    _db.session.commit()
    downgrade(revision="0001")
    assert tables() == {"customers", "licenses", "api_tokens"}
    assert [row["name"] for row in rows("api_tokens")] == ["before-downgrade"]
    assert "issued_from" not in {c["name"] for c in sa.inspect(_db.engine).get_columns("licenses")}
    downgrade(revision="base")
    assert tables() == set()
    upgrade()
    assert schema_differences() == []


def _naive(row):
    """Rows as the first revision wrote them (SQLite returns datetimes as text)."""
    out = {}
    for name, value in row.items():
        if isinstance(value, str) and name.endswith("_at"):
            value = datetime.fromisoformat(value)
        if name == "is_trial":
            value = bool(value)
        out[name] = value
    return out


REBUILD_CUSTOMERS = '''"""widen customers.organization: SQLite rebuilds the table"""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = {head!r}


def upgrade():
    with op.batch_alter_table("customers") as batch_op:
        batch_op.alter_column("organization", existing_type=sa.String(200),
                              type_=sa.String(250), existing_nullable=False)


def downgrade():
    with op.batch_alter_table("customers") as batch_op:
        batch_op.alter_column("organization", existing_type=sa.String(250),
                              type_=sa.String(200), existing_nullable=False)
'''


def test_batch_change_to_a_table_that_licenses_reference_keeps_every_row(bare_app, tmp_path):
    """SQLite copies the table and drops the old one: with foreign keys enforced during the
    migration, dropping customers that licenses point to would fail or lose rows."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    head = ScriptDirectory(str(directory)).get_current_head()
    (directory / "versions" / "9999_rebuild_customers.py").write_text(
        REBUILD_CUSTOMERS.format(head=head))
    upgrade()
    _db.session.execute(sa.insert(Customer.__table__).values(aware(CUSTOMER)))
    _db.session.execute(sa.insert(License.__table__).values(aware(LICENSE)))
    _db.session.commit()

    upgrade(directory=str(directory))
    assert [row["id"] for row in rows("customers")] == [CUSTOMER["id"]]
    assert [row["customer_id"] for row in rows("licenses")] == [CUSTOMER["id"]]
    columns = {c["name"]: c for c in sa.inspect(_db.engine).get_columns("customers")}
    assert columns["organization"]["type"].length == 250
    # The foreign key survived the rebuild and is enforced again afterwards.
    with pytest.raises(sa.exc.IntegrityError), _db.engine.begin() as conn:
        conn.execute(sa.insert(License.__table__).values(
            aware({**LICENSE, "id": "m" * 26, "customer_id": "x" * 26})))

    downgrade(directory=str(directory), revision=head)
    assert len(rows("licenses")) == 1


def aware(row):
    """A row for the models' UTC columns, which refuse naive datetimes."""
    out = {key: value.replace(tzinfo=UTC) if isinstance(value, datetime) else value
           for key, value in row.items()}
    if "sku" in row:
        out.setdefault("issued_from", "")
    return out
