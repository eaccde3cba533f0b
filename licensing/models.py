"""The tables: customers, licenses, API tokens, admin users, idempotency keys, audit events."""

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, String, Text, types
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .ids import new_id, utcnow


class UTCDateTime(types.TypeDecorator):
    """An aware UTC datetime on every backend (stored naive, in UTC)."""

    impl = types.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320))
    email_normalized: Mapped[str] = mapped_column(String(320), unique=True)
    organization: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    licenses: Mapped[list["License"]] = relationship(
        back_populates="customer", lazy="raise_on_sql"
    )

    # The constraint the resolver may recover from when it loses an insert race.
    EMAIL_CONSTRAINT = "uq_customers_email_normalized"


class License(db.Model):
    __tablename__ = "licenses"
    __table_args__ = (Index("ix_licenses_customer_id_issued_at", "customer_id", "issued_at"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    sku: Mapped[str] = mapped_column(String(3))
    users: Mapped[int]
    is_trial: Mapped[bool]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[str] = mapped_column(String(320))
    # Issuing is recorded by the license row itself: who, when (issued_at) and from where.
    issued_from: Mapped[str] = mapped_column(String(64), default="")
    file: Mapped[str] = mapped_column(Text)

    customer: Mapped[Customer] = relationship(back_populates="licenses", lazy="raise_on_sql")

    def expired(self, now=None):
        return self.expires_at <= (now or datetime.now(UTC))


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdminUser(db.Model):
    __tablename__ = "admin_users"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320))
    email_normalized: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyKey(db.Model):
    """The first answer to a request sent with an Idempotency-Key, per credential."""

    __tablename__ = "idempotency_keys"

    credential: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(320))
    target: Mapped[str] = mapped_column(String(320), default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
