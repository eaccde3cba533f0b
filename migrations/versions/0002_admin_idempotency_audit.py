"""admin users, idempotency keys, the audit trail, and where each license was issued from

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "admin_users",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_normalized", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_users")),
        sa.UniqueConstraint("email_normalized", name=op.f("uq_admin_users_email_normalized")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("credential", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("credential", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("target", sa.String(length=320), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_action_at", ["action", "at"])
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"])
    # Existing licenses were issued from an unknown address: '' keeps the column NOT NULL.
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issued_from", sa.String(length=64), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.alter_column("issued_from", server_default=None)


def downgrade():
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_column("issued_from")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_index("ix_audit_events_action_at")
    op.drop_table("audit_events")
    op.drop_table("idempotency_keys")
    op.drop_table("admin_users")
